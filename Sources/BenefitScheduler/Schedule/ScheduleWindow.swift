import BenefitCore
import Foundation

/// The calendar days on which a campaign's schedule is active, both days included.
///
/// A window runs from the first instant of `from` to the last instant of
/// `until`, as days are counted in the campaign's time zone; a campaign
/// "until 2026-04-30" in Berlin still fires at 23:30 Berlin time that day.
/// Either bound may be absent, meaning the window is open on that side.
/// The first instant of a day is normally 00:00, but where a zone's clocks
/// jump over midnight it is the first instant after the jump.
public struct ScheduleWindow: Sendable, Hashable, CustomStringConvertible {
    /// The first active day, or `nil` for no lower bound.
    public let from: CalendarDate?
    /// The last active day, or `nil` for no upper bound.
    public let until: CalendarDate?

    /// A window with no bounds: the schedule is always active.
    public static let unbounded = ScheduleWindow(uncheckedFrom: nil, until: nil)

    /// Creates a window; a window ending before it starts is rejected rather than silently never active.
    /// - Throws: ``ScheduleError/invertedWindow(from:until:)`` if `until` is before `from`.
    public init(from: CalendarDate?, until: CalendarDate?) throws(ScheduleError) {
        if let from, let until, until < from {
            throw .invertedWindow(from: from, until: until)
        }
        self.init(uncheckedFrom: from, until: until)
    }

    private init(uncheckedFrom from: CalendarDate?, until: CalendarDate?) {
        self.from = from
        self.until = until
    }

    /// The first instant of the window in `timeZone`, or `nil` if it has no start.
    public func firstInstant(in timeZone: TimeZone) -> Date? {
        from.map { ZonedTime(date: $0, hour: 0, minute: 0, timeZone: timeZone).fireInstant }
    }

    /// The first instant after the window in `timeZone` (the start of the day after `until`), or `nil` if it has no end.
    public func endInstant(in timeZone: TimeZone) -> Date? {
        until.map { ZonedTime(date: $0.adding(days: 1), hour: 0, minute: 0, timeZone: timeZone).fireInstant }
    }

    /// Whether the window, read in `timeZone`, contains the instant.
    public func contains(_ instant: Date, in timeZone: TimeZone) -> Bool {
        if let start = firstInstant(in: timeZone), instant < start { return false }
        if let end = endInstant(in: timeZone), instant >= end { return false }
        return true
    }

    /// The window as `from…until`, with an empty side for a missing bound.
    public var description: String {
        "\(from?.description ?? "")…\(until?.description ?? "")"
    }
}
