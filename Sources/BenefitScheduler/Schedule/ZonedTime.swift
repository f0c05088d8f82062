import BenefitCore
import Foundation

/// A wall-clock reading — a calendar day, hour and minute — in one IANA time zone.
///
/// Campaign authors write wall-clock times ("09:00 in Berlin"), but jobs run
/// at instants. Most readings name exactly one instant; around daylight-saving
/// changes a reading may name none (the clocks jumped over it) or two (the
/// clocks went back over it). ``resolution`` says which case applies and
/// ``fireInstant`` applies the scheduler's rule for firing:
///
/// - a skipped reading fires once, at the first instant after the gap, so a
///   job is late by the width of the gap instead of silently not running;
/// - a repeated reading fires once, at its first occurrence, so a job never
///   runs twice for one wall-clock time.
///
/// The instant is found from the zone's UTC offsets directly rather than with
/// `Calendar.date(from:)`: Foundation resolves a skipped reading by shifting
/// it forward by the gap's width (02:30 becomes 03:30), which is not our rule,
/// and spelling the arithmetic out keeps the rule visible and testable.
public struct ZonedTime: Sendable, Hashable, CustomStringConvertible {
    /// The calendar day of the reading.
    public let date: CalendarDate
    /// The hour of the reading, 0–23.
    public let hour: Int
    /// The minute of the reading, 0–59.
    public let minute: Int
    /// The zone whose clocks show the reading.
    public let timeZone: TimeZone

    /// Creates a reading; the hour must be 0–23 and the minute 0–59.
    public init(date: CalendarDate, hour: Int, minute: Int, timeZone: TimeZone) {
        precondition((0...23).contains(hour) && (0...59).contains(minute), "hour \(hour) or minute \(minute) out of range")
        self.date = date
        self.hour = hour
        self.minute = minute
        self.timeZone = timeZone
    }

    /// The reading the zone's clocks show at an instant, with seconds dropped.
    ///
    /// Dropping seconds (rounding down) is what lets the fire-time search skip
    /// every reading before this one without resolving it: such a reading
    /// resolves to an instant no later than `instant`.
    public init(reading instant: Date, in timeZone: TimeZone) {
        let utcSeconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let localSeconds = utcSeconds + timeZone.secondsFromGMT(for: instant)
        let (days, secondOfDay) = localSeconds.floorDivided(by: 86_400)
        self.date = CalendarDate(daysSinceEpoch: days)
        self.hour = secondOfDay / 3600
        self.minute = secondOfDay % 3600 / 60
        self.timeZone = timeZone
    }

    /// How many instants carry this reading, and which.
    public enum Resolution: Sendable, Hashable {
        /// The usual case: exactly one instant shows this reading.
        case unique(Date)
        /// The clocks jumped over this reading; the associated instant is the first one after the jump.
        case skipped(firstInstantAfterGap: Date)
        /// The clocks showed this reading twice; `first` is the earlier (before the clocks went back).
        case repeated(first: Date, second: Date)

        /// The instant a job scheduled at this reading fires: the only one, the first after a gap, or the first of two.
        public var fireInstant: Date {
            switch self {
            case .unique(let instant): instant
            case .skipped(let firstInstantAfterGap): firstInstantAfterGap
            case .repeated(let first, _): first
            }
        }
    }

    /// The instants that show this reading in its zone.
    public var resolution: Resolution {
        // The reading's seconds as if the zone were UTC; the instant is this minus the offset in force.
        let wallSeconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60
        // Offsets stay within about ±14 hours, so the offsets in force two days
        // either side are the only candidates: no zone changes offset twice
        // within four days.
        let offsetBefore = offset(atUTCSeconds: wallSeconds - 2 * 86_400)
        let offsetAfter = offset(atUTCSeconds: wallSeconds + 2 * 86_400)
        let candidates = offsetBefore == offsetAfter ? [offsetBefore] : [offsetBefore, offsetAfter]
        let occurrences = candidates
            .map { wallSeconds - $0 }
            .filter { offset(atUTCSeconds: $0) == wallSeconds - $0 }
            .sorted()
        switch occurrences.count {
        case 1:
            return .unique(instant(atUTCSeconds: occurrences[0]))
        case 2:
            return .repeated(first: instant(atUTCSeconds: occurrences[0]), second: instant(atUTCSeconds: occurrences[1]))
        default:
            // In a gap: with the earlier offset the reading lies after the change,
            // with the later one before it, so the change lies between those two
            // instants. Bisect on seconds (about a dozen steps for a one-hour gap).
            var earlier = wallSeconds - max(offsetBefore, offsetAfter)
            var later = wallSeconds - min(offsetBefore, offsetAfter)
            let offsetBeforeGap = offset(atUTCSeconds: earlier)
            while later - earlier > 1 {
                let middle = earlier + (later - earlier) / 2
                if offset(atUTCSeconds: middle) == offsetBeforeGap {
                    earlier = middle
                } else {
                    later = middle
                }
            }
            return .skipped(firstInstantAfterGap: instant(atUTCSeconds: later))
        }
    }

    /// The instant a job scheduled at this reading fires (see ``Resolution/fireInstant``).
    public var fireInstant: Date {
        resolution.fireInstant
    }

    /// The reading as `YYYY-MM-DD HH:mm Zone/Name`.
    public var description: String {
        "\(date) \(ScheduleText.twoDigits(hour)):\(ScheduleText.twoDigits(minute)) \(timeZone.identifier)"
    }

    private func offset(atUTCSeconds seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: instant(atUTCSeconds: seconds))
    }

    private func instant(atUTCSeconds seconds: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

private extension Int {
    /// Quotient and non-negative remainder, so that instants before 1970 land on the right day.
    func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = self % divisor
        return remainder < 0 ? (self / divisor - 1, remainder + divisor) : (self / divisor, remainder)
    }
}
