import BenefitCore
import Foundation

extension CalendarDate {
    /// The date it is now on this machine's calendar (its local time zone, by default).
    ///
    /// Rosters are kept in local dates: a member born today in Shanghai must not
    /// count as born in the future because it is still yesterday in UTC.
    public static func today(in zone: TimeZone = .current) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}
