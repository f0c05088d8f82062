import BenefitCore
import Foundation

/// Instants as a campaign's `at:` writes them: ISO 8601 with a UTC offset, to the second.
///
/// `2026-12-20T09:00:00+08:00`, `2026-12-20T01:00:00Z`; the seconds may be
/// left out (`2026-12-20T09:00+08:00`). The offset is required: an instant
/// without one would mean different moments to people in different places,
/// and guessing the campaign's zone would hide a mistake rather than catch it.
/// Fractions of a second are refused, since fire times are whole seconds and
/// the stored form must read back to the same instant.
///
/// The command line reads instants the same way (`jobs enqueue --run-at`).
public enum InstantText {
    /// Why a text is not an instant.
    public enum Problem: Error {
        case malformed
        case missingOffset
        case nonexistentTime

        /// What to add to "expected an instant with its UTC offset": ` (the UTC offset is missing)`, or nothing.
        public var detail: String {
            switch self {
            case .malformed: ""
            case .missingOffset: " (the UTC offset is missing)"
            case .nonexistentTime: " (no such time of day)"
            }
        }
    }

    /// The instant the text names.
    public static func parse(_ text: String) throws(Problem) -> Date {
        let characters = Array(text)
        // The offset starts at the first `Z`, `+` or `-` after the time's start (index 11).
        guard characters.count >= 16, characters[10] == "T" || characters[10] == "t" || characters[10] == " "
        else { throw .malformed }
        guard let date = CalendarDate(String(characters[0..<10])) else { throw .malformed }
        let rest = characters[11...]
        let offsetStart = rest.firstIndex { $0 == "Z" || $0 == "z" || $0 == "+" || $0 == "-" }
        let clock = rest[..<(offsetStart ?? rest.endIndex)]
        let clockParts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(clockParts.count), clockParts.allSatisfy({ $0.count == 2 && $0.allSatisfy(isDigit) }),
              let hour = Int(String(clockParts[0])), let minute = Int(String(clockParts[1]))
        else { throw .malformed }
        let second = clockParts.count == 3 ? Int(String(clockParts[2])) ?? 99 : 0
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { throw .nonexistentTime }
        guard let offsetStart else { throw .missingOffset }
        let offsetSeconds = try offset(String(rest[offsetStart...]))
        let wallSeconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(wallSeconds - offsetSeconds))
    }

    /// The instant as `YYYY-MM-DDTHH:mm:ss±HH:MM` in the zone, e.g. `2026-12-20T09:00:00+08:00`; whole seconds.
    public static func format(_ instant: Date, in timeZone: TimeZone) -> String {
        let offsetSeconds = timeZone.secondsFromGMT(for: instant)
        let localSeconds = Int(instant.timeIntervalSince1970.rounded(.down)) + offsetSeconds
        let days = localSeconds >= 0 ? localSeconds / 86_400 : (localSeconds - 86_399) / 86_400
        let secondOfDay = localSeconds - days * 86_400
        let date = CalendarDate(daysSinceEpoch: days)
        let clock = [secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60].map(ScheduleText.twoDigits).joined(separator: ":")
        let offsetMinutes = abs(offsetSeconds) / 60
        let offset = offsetSeconds == 0 ? "Z"
            : "\(offsetSeconds < 0 ? "-" : "+")\(ScheduleText.twoDigits(offsetMinutes / 60)):\(ScheduleText.twoDigits(offsetMinutes % 60))"
        return "\(date)T\(clock)\(offset)"
    }

    /// `Z`, `+08:00`, `+0800` or `+08` as seconds east of UTC.
    private static func offset(_ text: String) throws(Problem) -> Int {
        if text == "Z" || text == "z" { return 0 }
        let sign = text.first == "-" ? -1 : 1
        let digits = text.dropFirst().filter { $0 != ":" }
        guard digits.allSatisfy(isDigit), digits.count == 2 || digits.count == 4,
              text.dropFirst().count == digits.count || (text.count == 6 && Array(text)[3] == ":")
        else { throw .malformed }
        let hours = Int(String(digits.prefix(2))) ?? 99
        let minutes = digits.count == 4 ? Int(String(digits.suffix(2))) ?? 99 : 0
        guard hours <= 18, minutes <= 59 else { throw .malformed }
        return sign * (hours * 3600 + minutes * 60)
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }
}
