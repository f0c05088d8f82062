import BenefitCore
import Foundation

/// Why a schedule, or one of its parts, could not be built from what a campaign author wrote, or why its fire times cannot be given.
///
/// Each case carries enough to show the author exactly what to fix. Parsers
/// collect every problem in the text before throwing, so that an author who
/// mistyped two fields hears about both at once instead of fixing them one
/// round-trip at a time.
public enum ScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A cron expression with one or more problems, all of them listed.
    case invalidCron(expression: String, problems: [CronProblem])
    /// A lunar date text with one or more problems, all of them listed.
    case invalidLunar(text: String, problems: [LunarProblem])
    /// A time zone identifier that is not in the IANA database known to this machine.
    case unknownTimeZone(String)
    /// A window whose first day comes after its last day, so it could never be active.
    case invertedWindow(from: CalendarDate, until: CalendarDate)
    /// A lunar schedule's fire times were asked for past the lunar table's years (see ``LunarTable``); they are
    /// refused rather than guessed. `found` holds the fire times the search had found before it, ascending.
    case beyondLunarTable(found: [Date])

    /// The lunar table's limit, as ``beyondLunarTable(found:)`` says it.
    public static let lunarTableLimit =
        "lunar dates are known only for lunar years \(LunarTable.years.lowerBound)–\(LunarTable.years.upperBound) "
        + "(\(LunarTable.firstDay) to \(LunarTable.lastDay)), and this schedule's fire times reach past that; they are not guessed"

    /// One human-readable line per problem, in the order they occur in the text.
    public var messages: [String] {
        switch self {
        case .invalidCron(_, let problems): problems.map(\.description)
        case .invalidLunar(_, let problems): problems.map(\.description)
        case .unknownTimeZone(let identifier): ["unknown time zone \"\(identifier)\""]
        case .invertedWindow(let from, let until): ["window starts \(from), after it ends \(until)"]
        case .beyondLunarTable: [Self.lunarTableLimit]
        }
    }

    /// All problems on one line, prefixed with the offending text where there is one.
    public var description: String {
        switch self {
        case .invalidCron(let expression, _):
            "invalid cron \"\(expression)\": " + messages.joined(separator: "; ")
        case .invalidLunar(let text, _):
            "invalid lunar date \"\(text)\": " + messages.joined(separator: "; ")
        default:
            messages.joined(separator: "; ")
        }
    }
}

/// One problem found in a cron expression.
///
/// Field problems name the field both by position and by meaning, because an
/// author counting fields in `0 9 13 * FRI` thinks "the third one", while the
/// one reading the message later thinks "day of month".
public enum CronProblem: Sendable, Hashable, CustomStringConvertible {
    /// The expression does not have exactly five whitespace-separated fields.
    case wrongFieldCount(found: Int)
    /// A number outside the field's range, such as 32 for day of month.
    case valueOutOfRange(CronField, value: Int)
    /// A word that is not a name the field accepts, such as `FUNDAY`, or a name in a numeric field.
    case unknownName(CronField, name: String)
    /// A list item that is not `*`, a value, a range or a step over one of those.
    case malformedItem(CronField, item: String)
    /// A step of zero, as in `*/0`, which would never advance.
    case zeroStep(CronField, item: String)
    /// A range whose start is after its end, such as `22-2`; cron ranges do not wrap.
    case backwardsRange(CronField, item: String)

    /// The problem as one line, e.g. `field 3 (day of month) has 32`.
    public var description: String {
        switch self {
        case .wrongFieldCount(let found):
            "expected 5 fields, found \(found)"
        case .valueOutOfRange(let field, let value):
            "\(field) has \(value)"
        case .unknownName(let field, let name):
            "\(field) has unknown name \"\(name)\""
        case .malformedItem(let field, let item) where item.isEmpty:
            "\(field) has an empty list item"
        case .malformedItem(let field, let item):
            "\(field) has malformed item \"\(item)\""
        case .zeroStep(let field, let item):
            "\(field) has step 0 in \"\(item)\""
        case .backwardsRange(let field, let item):
            "\(field) has range \"\(item)\" that runs backwards"
        }
    }
}

/// One problem found in a lunar date text of the form `MM-DD HH:mm`.
public enum LunarProblem: Sendable, Hashable, CustomStringConvertible {
    /// The text is not of the form `MM-DD HH:mm`.
    case malformed(String)
    /// A lunar month outside 1–12; leap months cannot be named, by design.
    case monthOutOfRange(Int)
    /// A lunar day outside 1–30, the longest a lunar month gets.
    case dayOutOfRange(Int)
    /// An hour outside 0–23.
    case hourOutOfRange(Int)
    /// A minute outside 0–59.
    case minuteOutOfRange(Int)

    /// The problem as one line, e.g. `lunar: month 13 does not exist`.
    public var description: String {
        switch self {
        case .malformed(let text): "lunar: \"\(text)\" is not of the form MM-DD HH:mm"
        case .monthOutOfRange(let month): "lunar: month \(month) does not exist"
        case .dayOutOfRange(let day): "lunar: day \(day) does not exist"
        case .hourOutOfRange(let hour): "lunar: hour \(hour) does not exist"
        case .minuteOutOfRange(let minute): "lunar: minute \(minute) does not exist"
        }
    }
}
