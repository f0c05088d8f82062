import BenefitCore
import BenefitScheduler
import Foundation

extension RunContext {
    /// The calendar year of the run's fire time in the campaign's zone: the year
    /// a yearly cycle is named for, and the one programs count ages and
    /// anniversaries against.
    var fireYear: Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.component(.year, from: fireTime)
    }

    /// The calendar date of the run's fire time in the campaign's zone: the run's
    /// reference date. A member who left on or before it is not in the run's population.
    var fireDate: CalendarDate {
        ZonedTime(reading: fireTime, in: timeZone).date
    }
}
