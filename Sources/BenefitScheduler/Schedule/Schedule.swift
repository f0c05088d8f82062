import Foundation

/// When a campaign's job fires: a cron rule, a yearly lunar date or a single instant, in one time zone, within an optional window.
///
/// All wall-clock rules are read in ``timeZone``. Around daylight-saving
/// changes a wall-clock time the clocks skip fires once at the first instant
/// after the gap, and one they show twice fires once at its first occurrence
/// (see ``ZonedTime``), so no fire time is ever produced twice or silently
/// dropped. Fire times outside ``window`` are never produced.
///
/// The type only computes; it reads no clock and does no I/O, so callers
/// pass "now" in and may ask about any period, past or future.
public struct Schedule: Sendable, Hashable {
    /// What rule produces the fire times.
    public enum Kind: Sendable, Hashable {
        /// Every minute the cron expression matches, read in the schedule's zone.
        case cron(CronExpression)
        /// Once a year, on the lunar date at its wall-clock time in the schedule's zone.
        case lunar(LunarDate)
        /// Exactly once, at this instant; the zone matters only for the window.
        case at(Date)
    }

    /// What rule produces the fire times.
    public let kind: Kind
    /// The IANA zone whose wall clocks the rule and the window are read in.
    public let timeZone: TimeZone
    /// The days on which the schedule may fire.
    public let window: ScheduleWindow

    /// Creates a schedule from parts that are already valid.
    public init(_ kind: Kind, timeZone: TimeZone, window: ScheduleWindow = .unbounded) {
        self.kind = kind
        self.timeZone = timeZone
        self.window = window
    }

    /// Creates a schedule, looking the zone up by its IANA identifier such as `Europe/Berlin`.
    /// - Throws: ``ScheduleError/unknownTimeZone(_:)`` if this machine's zone database lacks the identifier.
    public init(_ kind: Kind, timeZoneIdentifier: String, window: ScheduleWindow = .unbounded) throws(ScheduleError) {
        guard let timeZone = TimeZone(identifier: timeZoneIdentifier) else {
            throw .unknownTimeZone(timeZoneIdentifier)
        }
        self.init(kind, timeZone: timeZone, window: window)
    }

    /// How far the search looks past the last matching day before concluding a cron rule never matches again: 146,097 days.
    ///
    /// That is one full cycle of the Gregorian calendar (400 years, also a
    /// whole number of weeks), after which month, day and weekday repeat in
    /// the same pattern. So a rule with no matching day in that span has none
    /// at all (`0 0 30 2 *`), and the search stops instead of running forever,
    /// while a rule that does match, however rarely — `0 0 29 2 *` (every four
    /// to eight years), or `0 0 29 2 */7` (Feb 29 on a Sunday, every 28 or more
    /// years) — is never cut short. Walking it is at most one integer step per
    /// day, with months the rule excludes skipped whole: milliseconds.
    public static let cronSearchHorizonInDays = 146_097

    /// The first `count` fire times strictly after `instant`, in ascending order.
    ///
    /// Fewer are returned when the schedule runs out: an `at` schedule fires at
    /// most once, a window eventually closes, and a cron rule that cannot match
    /// any day (searched for one Gregorian cycle, see
    /// ``cronSearchHorizonInDays``) returns none.
    /// - Throws: ``ScheduleError/beyondLunarTable(found:)`` when a lunar schedule would need fire times
    ///   outside the lunar table's years (see ``LunarTable``): they are refused, never guessed.
    public func nextFireTimes(after instant: Date, count: Int) throws(ScheduleError) -> [Date] {
        try FireTimeSearch(schedule: self, after: instant, through: nil).run(limit: count)
    }

    /// The fire times in the half-open interval `(after, through]`, ascending, at most `limit` of them.
    ///
    /// A fire time exactly at `after` is excluded and one exactly at `through`
    /// included, so that consecutive polls `(t0, t1]`, `(t1, t2]`, … see every
    /// fire time exactly once. An empty or inverted interval gives no fire times.
    /// - Throws: ``ScheduleError/beyondLunarTable(found:)`` as ``nextFireTimes(after:count:)`` does.
    public func fireTimes(in range: (after: Date, through: Date), limit: Int) throws(ScheduleError) -> [Date] {
        guard range.after < range.through else { return [] }
        return try FireTimeSearch(schedule: self, after: range.after, through: range.through).run(limit: limit)
    }

    /// The fire times in the half-open interval `[from, before)`, ascending, at most `limit` of them.
    ///
    /// The bounds the other way round from ``fireTimes(in:limit:)``, as an operator
    /// names a period (`campaign backfill --from 2026-06-01T00:00+08:00 --to
    /// 2026-06-08T00:00+08:00` is that week): a fire time exactly at `from` is
    /// included and one exactly at `before` excluded, so consecutive ranges
    /// `[t0, t1)`, `[t1, t2)`, … still see every fire time exactly once.
    /// - Throws: ``ScheduleError/beyondLunarTable(found:)`` as ``nextFireTimes(after:count:)`` does.
    public func fireTimes(from start: Date, before end: Date, limit: Int) throws(ScheduleError) -> [Date] {
        guard start < end, limit > 0 else { return [] }
        // Searched as (start - 1 s, end]: fire times are at least a minute apart, so
        // the extra second and the end itself hold at most one each, dropped here.
        let found = try fireTimes(in: (after: start.addingTimeInterval(-1), through: end), limit: limit + 2)
        return Array(found.filter { $0 >= start && $0 < end }.prefix(limit))
    }

    /// The first fire time strictly after `instant`, or `nil` if there is none.
    /// - Throws: ``ScheduleError/beyondLunarTable(found:)`` as ``nextFireTimes(after:count:)`` does.
    public func nextFireTime(after instant: Date) throws(ScheduleError) -> Date? {
        try nextFireTimes(after: instant, count: 1).first
    }

    /// For displays: the next fire times as ``nextFireTimes(after:count:)`` gives them, or, when the search
    /// reaches the end of the lunar table, the ones before it, with `beyondLunarTable` set so the display can say so.
    public func upcomingFireTimes(after instant: Date, count: Int) -> (times: [Date], beyondLunarTable: Bool) {
        do throws(ScheduleError) {
            return (try nextFireTimes(after: instant, count: count), false)
        } catch {
            if case .beyondLunarTable(let found) = error { return (found, true) }
            return ([], false)
        }
    }
}
