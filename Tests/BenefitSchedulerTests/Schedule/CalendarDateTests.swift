import BenefitCore
import Foundation
import Testing

/// What the schedule relies on from ``CalendarDate``, beyond the SQL round trip covered in `TextFormatTests`.
@Suite("Calendar dates for schedules")
struct CalendarDateTests {
    @Test("parses YYYY-MM-DD and prints it back", arguments: [
        ("2026-03-08", 2026, 3, 8),
        ("2028-02-29", 2028, 2, 29),
        ("0999-12-31", 999, 12, 31),
    ])
    func parses(text: String, year: Int, month: Int, dayOfMonth: Int) throws {
        let date = try #require(CalendarDate(text))
        #expect((date.year, date.month, date.day) == (year, month, dayOfMonth))
        #expect(date.description == text)
    }

    @Test("rejects malformed or non-existent dates", arguments: [
        "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-1-5", "26-01-05",
        "2026-01-05T00:00", "2026/01/05", "", "２０２６-01-05",
    ])
    func rejects(text: String) {
        #expect(CalendarDate(text) == nil)
    }

    @Test("ISO weekday counts 1 for Monday through 7 for Sunday, before 1970 too")
    func isoWeekday() {
        #expect(ScheduleFixtures.day("2026-01-01").isoWeekday == 4)
        #expect(ScheduleFixtures.day("2026-03-08").isoWeekday == 7)
        #expect(ScheduleFixtures.day("2026-02-13").isoWeekday == 5)
        #expect(ScheduleFixtures.day("1969-12-31").isoWeekday == 3)
        #expect(ScheduleFixtures.day("2000-02-29").isoWeekday == 2)
    }

    @Test("adding days crosses months, leap days and years, both ways")
    func addingDays() {
        #expect(ScheduleFixtures.day("2028-02-28").adding(days: 1) == ScheduleFixtures.day("2028-02-29"))
        #expect(ScheduleFixtures.day("2026-02-28").adding(days: 1) == ScheduleFixtures.day("2026-03-01"))
        #expect(ScheduleFixtures.day("2026-12-31").adding(days: 1) == ScheduleFixtures.day("2027-01-01"))
        #expect(ScheduleFixtures.day("1970-01-01").adding(days: -1) == ScheduleFixtures.day("1969-12-31"))
        #expect(ScheduleFixtures.day("2026-01-01").adding(days: 146_097) == ScheduleFixtures.day("2426-01-01"))
    }

    @Test("agrees with Foundation's Gregorian calendar day by day over a few centuries")
    func agreesWithFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = ScheduleFixtures.zone("UTC")
        var date = ScheduleFixtures.day("1900-01-01")
        var instant = ScheduleFixtures.instant("1900-01-01T12:00:00Z")
        for _ in 0..<(3 * 36_525) / 7 {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: instant)
            // Foundation numbers Sunday 1 through Saturday 7; `% 7` turns ISO's Sunday 7 into 0 first.
            #expect([date.year, date.month, date.day, date.isoWeekday % 7 + 1] == [parts.year, parts.month, parts.day, parts.weekday])
            date = date.adding(days: 7)
            instant = instant.addingTimeInterval(7 * 86_400)
        }
    }
}
