import Foundation

/// One search for a schedule's fire times after an instant, optionally up to a last instant, in ascending order.
///
/// Both searches rely on one property of ``ZonedTime/fireInstant``: a later
/// wall-clock reading never resolves to an earlier instant (readings in a gap
/// all resolve to the gap's end, and repeated readings to their first
/// occurrence, which keeps the order). So readings can be walked in order,
/// the walk can stop at the first instant past the end, and readings that
/// collapse onto one instant show up as equal neighbours, which is how each
/// fire time is produced only once.
struct FireTimeSearch {
    let schedule: Schedule
    /// Fire times must be strictly after this instant.
    let after: Date
    /// Fire times must be at or before this instant, if given.
    let through: Date?
    private let windowStart: Date?
    private let windowEnd: Date?

    init(schedule: Schedule, after: Date, through: Date?) {
        self.schedule = schedule
        self.after = after
        self.through = through
        self.windowStart = schedule.window.firstInstant(in: schedule.timeZone)
        self.windowEnd = schedule.window.endInstant(in: schedule.timeZone)
    }

    /// Up to `limit` fire times, ascending.
    /// - Throws: ``ScheduleError/beyondLunarTable(found:)`` if a lunar schedule's search needs a year outside ``LunarTable``.
    func run(limit: Int) throws(ScheduleError) -> [Date] {
        guard limit > 0 else { return [] }
        switch schedule.kind {
        case .at(let instant):
            return isLateEnough(instant) && !isPastEnd(instant) ? [instant] : []
        case .cron(let cron):
            return cronFireTimes(cron, limit: limit)
        case .lunar(let lunar):
            return try lunarFireTimes(lunar, limit: limit)
        }
    }

    /// Whether a fire time is strictly after `after` and not before the window opens.
    private func isLateEnough(_ instant: Date) -> Bool {
        instant > after && (windowStart.map { instant >= $0 } ?? true)
    }

    /// Whether a fire time lies past `through` or after the window closes; as fire times ascend, so will every later one.
    private func isPastEnd(_ instant: Date) -> Bool {
        (through.map { instant > $0 } ?? false) || (windowEnd.map { instant >= $0 } ?? false)
    }

    /// Walks days from the one `after` falls on, resolving only the readings of days the rule matches.
    private func cronFireTimes(_ cron: CronExpression, limit: Int) -> [Date] {
        let zone = schedule.timeZone
        let start = ZonedTime(reading: after, in: zone)
        var day = start.date
        // The day before the window opens, because a reading late that day can
        // resolve into the window's first day when a gap straddles midnight.
        if let from = schedule.window.from, from.adding(days: -1) > day {
            day = from.adding(days: -1)
        }
        // Once fire times are known to be past the end, the walk stops; this
        // bound only matters for stretches with no matching day. A reading
        // resolves to an instant whose own reading is at most a day off
        // (offset changes are hours), so two days past the end's day suffice.
        let lastDay = [through.map { ZonedTime(reading: $0, in: zone).date }, schedule.window.until]
            .compactMap { $0 }
            .min()?
            .adding(days: 2)
        let hours = cron.hours.values
        let minutes = cron.minutes.values
        var lastMatchingDay = day
        var found: [Date] = []

        while true {
            if let lastDay, day > lastDay { break }
            if day.daysSinceEpoch - lastMatchingDay.daysSinceEpoch > Schedule.cronSearchHorizonInDays { break }
            guard cron.months.contains(day.month) else {
                day = day.firstDayOfNextMonth
                continue
            }
            if cron.matches(day) {
                lastMatchingDay = day
                for hour in hours {
                    for minute in minutes {
                        // Readings earlier than `after`'s own resolve no later than
                        // `after`, so they are skipped without resolving them.
                        if day == start.date, (hour, minute) < (start.hour, start.minute) { continue }
                        let instant = ZonedTime(date: day, hour: hour, minute: minute, timeZone: zone).fireInstant
                        if isPastEnd(instant) { return found }
                        // Several readings inside one gap resolve to the same instant, which fires once.
                        if isLateEnough(instant), found.last.map({ $0 < instant }) ?? true {
                            found.append(instant)
                            if found.count == limit { return found }
                        }
                    }
                }
            }
            day = day.adding(days: 1)
        }
        return found
    }

    /// Walks lunar years, one fire time each, from the year whose 12th month may still lie ahead.
    ///
    /// Only years in ``LunarTable`` are walked. A year before it is skipped when
    /// all its days lie before `after`, and the walk ends at the table's end when
    /// the search ends before the next year begins; otherwise the search would
    /// need days the table does not have, and throws instead of guessing.
    private func lunarFireTimes(_ lunar: LunarDate, limit: Int) throws(ScheduleError) -> [Date] {
        let zone = schedule.timeZone
        var startDay = ZonedTime(reading: after, in: zone).date
        if let from = schedule.window.from, from > startDay {
            startDay = from
        }
        // Lunar year y runs from late January or February of y into January or
        // February of y + 1, so the lunar year before `after`'s Gregorian year
        // can still have its date to come (12-23 of lunar 2025 is 2026-02-10).
        var lunarYear = startDay.year - 1
        var found: [Date] = []
        if lunarYear < LunarTable.years.lowerBound {
            // A fire time falls on its lunar date's Gregorian day in the schedule's zone, so the years before
            // the table all fire before its first day begins there (a day later, for a reading in a gap).
            guard startDay > LunarTable.firstDay.adding(days: 1) else { throw .beyondLunarTable(found: found) }
            lunarYear = LunarTable.years.lowerBound
        }
        while found.count < limit {
            guard let zoned = lunar.zonedTime(inLunarYear: lunarYear, timeZone: zone) else {
                // Past the table: the next year's fire time is on its first day or later, so it only matters
                // if the search has not ended by then.
                let nextYearBegins = ZonedTime(date: LunarTable.lastDay.adding(days: 1), hour: 0, minute: 0, timeZone: zone).fireInstant
                if isPastEnd(nextYearBegins) { break }
                throw .beyondLunarTable(found: found)
            }
            let instant = zoned.fireInstant
            if isPastEnd(instant) { break }
            if isLateEnough(instant) { found.append(instant) }
            lunarYear += 1
        }
        return found
    }
}
