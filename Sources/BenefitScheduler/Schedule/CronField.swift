/// One of the five fields of a cron expression, in the order they are written.
public enum CronField: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The first field: minutes 0–59.
    case minute = 1
    /// The second field: hours 0–23.
    case hour
    /// The third field: days of the month 1–31.
    case dayOfMonth
    /// The fourth field: months 1–12 or `JAN`–`DEC`.
    case month
    /// The fifth field: days of the week 0–7 (0 and 7 are Sunday) or `SUN`–`SAT`.
    case dayOfWeek

    /// The field's 1-based position and meaning, e.g. `field 3 (day of month)`, as used in error messages.
    public var description: String {
        "field \(rawValue) (\(meaning))"
    }

    /// What the field selects, in words.
    public var meaning: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day of month"
        case .month: "month"
        case .dayOfWeek: "day of week"
        }
    }

    /// The numbers an author may write in this field.
    ///
    /// Day of week admits 7 as well as 0 for Sunday because both conventions
    /// are in common use and cron has always accepted either.
    public var writableValues: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// The values `*` stands for, and where an open-ended step `a/n` stops.
    ///
    /// For day of week that is 0–6, not 0–7: 7 is only another spelling of
    /// Sunday, and stepping onto it would make `1/3` mean Monday, Thursday
    /// and Sunday, wrapping into the next week.
    var allValues: ClosedRange<Int> {
        self == .dayOfWeek ? 0...6 : writableValues
    }

    /// The value a three-letter name stands for in this field, case-insensitively.
    func value(named name: Substring) -> Int? {
        let names: [String]
        switch self {
        case .month: names = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: return nil
        }
        guard let index = names.firstIndex(of: name.uppercased()) else { return nil }
        return self == .month ? index + 1 : index
    }
}

/// The set of values one cron field matches, with a note of whether it was written starting with `*`.
///
/// Values live in a 64-bit mask because every field's range fits in 0...63,
/// which keeps matching a single bit test and the type trivially `Sendable`.
public struct CronFieldValues: Sendable, Hashable {
    private var mask: UInt64 = 0

    /// Whether the field's text began with `*` (`*` or `*/n`).
    ///
    /// Vixie cron decides between "day of month OR day of week" and "AND" by
    /// this first character, not by the set of values, and we keep its rule so
    /// that schedules copied from a crontab behave as they did there.
    public internal(set) var isStarred = false

    init() {}

    /// Whether the field matches the value.
    public func contains(_ value: Int) -> Bool {
        (0...63).contains(value) && mask & (1 << UInt64(value)) != 0
    }

    /// The matched values in ascending order.
    public var values: [Int] {
        (0...63).filter(contains)
    }

    var isEmpty: Bool { mask == 0 }

    mutating func insert(_ value: Int) {
        mask |= 1 << UInt64(value)
    }
}

extension CronFieldValues {
    /// Parses one field's comma-separated list, collecting every problem rather than stopping at the first.
    static func parse(_ text: Substring, as field: CronField) -> (values: CronFieldValues, problems: [CronProblem]) {
        var result = CronFieldValues()
        result.isStarred = text.first == "*"
        var problems: [CronProblem] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            switch parseItem(item, as: field) {
            case .success(let range, let step):
                for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
                    // 7 is Sunday written the other way; store it as 0 so matching needs one bit.
                    result.insert(field == .dayOfWeek && value == 7 ? 0 : value)
                }
            case .failure(let itemProblems):
                problems += itemProblems
            }
        }
        return (result, problems)
    }

    private enum ItemParse {
        case success(ClosedRange<Int>, step: Int)
        case failure([CronProblem])
    }

    /// Parses `*`, `a`, `a-b`, `*/n`, `a-b/n` or `a/n` (meaning `a` to the field's maximum, every `n`).
    private static func parseItem(_ item: Substring, as field: CronField) -> ItemParse {
        let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(stepParts.count), !stepParts[0].isEmpty else {
            return .failure([.malformedItem(field, item: String(item))])
        }
        var step = 1
        if stepParts.count == 2 {
            guard ScheduleText.isDigits(stepParts[1]), let parsed = Int(stepParts[1]) else {
                return .failure([.malformedItem(field, item: String(item))])
            }
            guard parsed > 0 else { return .failure([.zeroStep(field, item: String(item))]) }
            step = parsed
        }

        let base = stepParts[0]
        if base == "*" {
            return .success(field.allValues, step: step)
        }
        let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else {
            return .failure([.malformedItem(field, item: String(item))])
        }
        var numbers: [Int] = []
        var problems: [CronProblem] = []
        for bound in bounds {
            switch parseValue(bound, as: field) {
            case .value(let value): numbers.append(value)
            case .problem(let problem): problems.append(problem)
            // A malformed bound makes the whole item malformed; say so once, not once per bound.
            case .malformed: return .failure([.malformedItem(field, item: String(item))])
            }
        }
        guard problems.isEmpty else { return .failure(problems) }
        let lower = numbers[0]
        let upper = bounds.count == 2 ? numbers[1] : (stepParts.count == 2 ? field.allValues.upperBound : lower)
        guard lower <= upper else { return .failure([.backwardsRange(field, item: String(item))]) }
        return .success(lower...upper, step: step)
    }

    private enum ValueParse {
        case value(Int)
        case problem(CronProblem)
        /// Neither a number nor a name, e.g. empty or `1x`.
        case malformed
    }

    /// Reads a number or a name in the field's range.
    private static func parseValue(_ text: Substring, as field: CronField) -> ValueParse {
        if ScheduleText.isDigits(text) {
            // Too many digits to fit an Int is reported as a malformed item, so the
            // message can show the author's text rather than a clamped number.
            guard let value = Int(text) else { return .malformed }
            guard field.writableValues.contains(value) else {
                return .problem(.valueOutOfRange(field, value: value))
            }
            return .value(value)
        }
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isLetter }) {
            guard let value = field.value(named: text) else {
                return .problem(.unknownName(field, name: String(text)))
            }
            return .value(value)
        }
        return .malformed
    }
}
