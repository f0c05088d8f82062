import BenefitCore

/// The days a health-checkup cycle books appointments on: from its start date
/// on, every day but Saturdays, Sundays and the listed holidays.
///
/// Workdays are numbered from 0 (the first workday on or after the start). A
/// hospital's seat `s` (1, 2, 3, ...) falls on workday `(s − 1) / dailyCapacity`,
/// so its days fill one after another.
public struct WorkdayCalendar: Sendable, Equatable {
    public let start: CalendarDate
    public let holidays: Set<CalendarDate>

    public init(start: CalendarDate, holidays: some Sequence<CalendarDate>) {
        self.start = start
        self.holidays = Set(holidays)
    }

    /// Whether appointments may fall on `date` (a day from `start` on).
    public func isWorkday(_ date: CalendarDate) -> Bool {
        date.isoWeekday < 6 && !holidays.contains(date)
    }

    /// The workdays numbered `indices`, in order.
    ///
    /// Walks day by day from the start: a cycle books at most a few thousand
    /// workdays, and the walk is exact whatever the holidays.
    public func workdays(_ indices: ClosedRange<Int>) -> [CalendarDate] {
        precondition(indices.lowerBound >= 0, "workdays are numbered from 0")
        var days: [CalendarDate] = []
        days.reserveCapacity(indices.count)
        var date = start
        var index = 0
        while index <= indices.upperBound {
            if isWorkday(date) {
                if index >= indices.lowerBound { days.append(date) }
                index += 1
            }
            date = date.adding(days: 1)
        }
        return days
    }
}
