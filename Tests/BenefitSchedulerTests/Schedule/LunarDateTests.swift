import BenefitScheduler
import Foundation
import Testing

@Suite("Lunar dates")
struct LunarDateTests {
    struct KnownDate: Sendable, CustomTestStringConvertible {
        let lunar: String
        let lunarYear: Int
        let gregorian: String
        var testDescription: String { "lunar \(lunarYear) \(lunar) is \(gregorian)" }
    }

    static let knownDates: [KnownDate] = [
        // Spring Festival.
        KnownDate(lunar: "01-01 00:00", lunarYear: 2026, gregorian: "2026-02-17"),
        KnownDate(lunar: "01-01 00:00", lunarYear: 2027, gregorian: "2027-02-06"),
        KnownDate(lunar: "01-01 00:00", lunarYear: 2028, gregorian: "2028-01-26"),
        // Mid-Autumn.
        KnownDate(lunar: "08-15 00:00", lunarYear: 2025, gregorian: "2025-10-06"),
        KnownDate(lunar: "08-15 00:00", lunarYear: 2026, gregorian: "2026-09-25"),
        KnownDate(lunar: "08-15 00:00", lunarYear: 2027, gregorian: "2027-09-15"),
        // 小年 (12-23) of a lunar year falls in the next Gregorian year.
        KnownDate(lunar: "12-23 00:00", lunarYear: 2025, gregorian: "2026-02-10"),
        KnownDate(lunar: "12-23 00:00", lunarYear: 2026, gregorian: "2027-01-30"),
        // 2025 has a leap 6th month (from 2025-07-25); "06-15" is the ordinary one.
        KnownDate(lunar: "06-15 00:00", lunarYear: 2025, gregorian: "2025-07-09"),
        KnownDate(lunar: "07-01 00:00", lunarYear: 2025, gregorian: "2025-08-23"),
        // The 12th month of lunar 2023 has 30 days: New Year's Eve is 12-30.
        KnownDate(lunar: "12-30 00:00", lunarYear: 2023, gregorian: "2024-02-09"),
        // The 12th month of lunar 2025 has only 29 days: 12-30 falls on 12-29, the eve of 2026-02-17.
        KnownDate(lunar: "12-29 00:00", lunarYear: 2025, gregorian: "2026-02-16"),
        KnownDate(lunar: "12-30 00:00", lunarYear: 2025, gregorian: "2026-02-16"),
    ]

    @Test("Gregorian day of known lunar dates", arguments: knownDates)
    func gregorianDate(_ row: KnownDate) throws {
        let lunar = try LunarDate(parsing: row.lunar)
        #expect(lunar.gregorianDate(inLunarYear: row.lunarYear)?.description == row.gregorian)
    }

    @Test("the calendar itself says the 12th month of lunar 2025 has 29 days")
    func shortTwelfthMonth() throws {
        var chinese = Calendar(identifier: .chinese)
        chinese.timeZone = ScheduleFixtures.zone("Asia/Shanghai")
        let eve = try #require(try LunarDate(parsing: "12-29 12:00").gregorianDate(inLunarYear: 2025))
        let noon = ScheduleFixtures.instant("\(eve)T04:00:00Z")
        let nextDay = chinese.dateComponents([.month, .day], from: noon.addingTimeInterval(86_400))
        #expect((nextDay.month, nextDay.day) == (1, 1))
    }

    @Test("a schedule in Shanghai fires on Spring Festival each year")
    func springFestivalInShanghai() throws {
        let schedule = ScheduleFixtures.lunarSchedule("01-01 09:00", in: "Asia/Shanghai")
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 3).map(ScheduleFixtures.iso) == [
            "2026-02-17T01:00:00Z", "2027-02-06T01:00:00Z", "2028-01-26T01:00:00Z",
        ])
    }

    @Test("a schedule in Berlin fires at 09:00 Berlin time on the Gregorian day of Spring Festival")
    func springFestivalInBerlin() throws {
        let schedule = ScheduleFixtures.lunarSchedule("01-01 09:00", in: "Europe/Berlin")
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 2).map(ScheduleFixtures.iso) == [
            "2026-02-17T08:00:00Z", "2027-02-06T08:00:00Z",
        ])
    }

    @Test("a schedule west of China still uses China's day, even though it is still the day before there")
    func springFestivalInNewYork() throws {
        // 00:30 on 2026-02-17 in New York is already 13:30 on the 17th in Shanghai; the day is the 17th.
        let schedule = ScheduleFixtures.lunarSchedule("01-01 00:30", in: "America/New_York")
        #expect(try schedule.nextFireTime(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z")).map(ScheduleFixtures.iso) == "2026-02-17T05:30:00Z")
    }

    @Test("12th-month dates early in a Gregorian year come from the previous lunar year")
    func twelfthMonthAtYearStart() throws {
        let schedule = ScheduleFixtures.lunarSchedule("12-23 10:00", in: "Asia/Shanghai")
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 2).map(ScheduleFixtures.iso) == [
            "2026-02-10T02:00:00Z", "2027-01-30T02:00:00Z",
        ])
        let in2026 = try schedule.fireTimes(in: (ScheduleFixtures.instant("2026-01-01T00:00:00Z"), ScheduleFixtures.instant("2027-01-01T00:00:00Z")), limit: 10)
        #expect(in2026.map(ScheduleFixtures.iso) == ["2026-02-10T02:00:00Z"])
    }

    @Test("a month with a leap twin fires once a year, in the ordinary month")
    func neverTheLeapMonth() throws {
        let schedule = ScheduleFixtures.lunarSchedule("06-15 08:00", in: "Asia/Shanghai")
        let in2025 = try schedule.fireTimes(in: (ScheduleFixtures.instant("2025-01-01T00:00:00Z"), ScheduleFixtures.instant("2026-01-01T00:00:00Z")), limit: 10)
        #expect(in2025.map(ScheduleFixtures.iso) == ["2025-07-09T00:00:00Z"])
    }

    @Test("New Year's Eve as 12-30 fires every year, on the 29th when the month is short")
    func newYearsEve() throws {
        let schedule = ScheduleFixtures.lunarSchedule("12-30 20:00", in: "Asia/Shanghai")
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2024-01-01T00:00:00Z"), count: 3).map(ScheduleFixtures.iso) == [
            "2024-02-09T12:00:00Z", "2025-01-28T12:00:00Z", "2026-02-16T12:00:00Z",
        ])
    }

    @Test("parses MM-DD HH:mm and single-digit parts")
    func parses() throws {
        let lunar = try LunarDate(parsing: "8-15 9:05")
        #expect((lunar.month, lunar.day, lunar.hour, lunar.minute) == (8, 15, 9, 5))
        #expect(lunar.description == "08-15 09:05")
    }

    @Test("reports every part out of range", arguments: [
        ("13-01 09:00", ["lunar: month 13 does not exist"]),
        ("00-31 24:60", [
            "lunar: month 0 does not exist", "lunar: day 31 does not exist",
            "lunar: hour 24 does not exist", "lunar: minute 60 does not exist",
        ]),
        ("01-01", ["lunar: \"01-01\" is not of the form MM-DD HH:mm"]),
        ("01-01 9h00", ["lunar: \"01-01 9h00\" is not of the form MM-DD HH:mm"]),
        ("001-01 09:00", ["lunar: \"001-01 09:00\" is not of the form MM-DD HH:mm"]),
        ("", ["lunar: \"\" is not of the form MM-DD HH:mm"]),
    ])
    func problems(text: String, messages: [String]) {
        #expect {
            try LunarDate(parsing: text)
        } throws: { error in
            guard let error = error as? ScheduleError, case .invalidLunar(let reported, _) = error else { return false }
            return reported == text && error.messages == messages
        }
    }

    @Test("errors are typed")
    func typedError() {
        #expect(throws: ScheduleError.invalidLunar(text: "13-01 09:00", problems: [.monthOutOfRange(13)])) {
            try LunarDate(parsing: "13-01 09:00")
        }
    }
}
