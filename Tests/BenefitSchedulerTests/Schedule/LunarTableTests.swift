import BenefitCore
import BenefitScheduler
import Foundation
import Testing

@Suite("Lunar table")
struct LunarTableTests {
    /// A lunar month, as the table numbers it.
    struct MonthKey: Hashable, Comparable, CustomStringConvertible {
        let year: Int
        let month: Int
        let isLeap: Bool
        var description: String { "\(year) \(isLeap ? "leap " : "")\(month)" }
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.year, lhs.month, lhs.isLeap ? 1 : 0) < (rhs.year, rhs.month, rhs.isLeap ? 1 : 0) }
    }

    /// The months in which the table and Foundation's Chinese calendar disagree, as docs/campaigns.md lists them.
    ///
    /// Each is a new moon within minutes of Beijing midnight. Before 1929 the
    /// calendar was reckoned on Beijing's local mean time (UTC+7:45:40), which
    /// the table follows and Foundation (always UTC+8) does not: 1914, 1916 and
    /// 1920 begin a month a day earlier in the table. In 2057 and 2097 Foundation
    /// numbers a day "0" (2057-09-28, 2097-08-07) instead of placing it in a month.
    static let documentedDifferences: Set<MonthKey> = [
        MonthKey(year: 1914, month: 10, isLeap: false),
        MonthKey(year: 1916, month: 1, isLeap: false),
        MonthKey(year: 1920, month: 10, isLeap: false),
        MonthKey(year: 2057, month: 8, isLeap: false),
        MonthKey(year: 2097, month: 7, isLeap: false),
    ]

    @Test("every day of lunar 1901–2100 agrees with Foundation's Chinese calendar, except in the documented months")
    func agreesWithFoundation() throws {
        let china = ScheduleFixtures.zone("Asia/Shanghai")
        var chinese = Calendar(identifier: .chinese)
        chinese.timeZone = china
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = china

        var differing: [MonthKey: [String]] = [:]
        var monthStarts = 0
        var day = LunarTable.firstDay
        while day <= LunarTable.lastDay {
            let table = try #require(LunarTable.day(on: day))
            if table.day == 1 { monthStarts += 1 }
            let noon = try #require(gregorian.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12)))
            let foundation = chinese.dateComponents([.month, .day, .isLeapMonth], from: noon)
            if foundation.month != table.month || foundation.day != table.day || foundation.isLeapMonth != table.isLeap {
                let key = MonthKey(year: table.year, month: table.month, isLeap: table.isLeap)
                differing[key, default: []].append(
                    "\(day): table \(table), Foundation \(foundation.isLeapMonth == true ? "leap " : "")\(foundation.month ?? 0)-\(foundation.day ?? 0)")
            }
            day = day.adding(days: 1)
        }
        // Month starts, lengths and leap months all show in the day-by-day labels; 200 years hold 2,473 months.
        #expect(monthStarts == 2_473)
        let undocumented = differing.filter { !Self.documentedDifferences.contains($0.key) }
        #expect(undocumented.isEmpty, "undocumented differences:\n\(undocumented.sorted { $0.key < $1.key }.flatMap(\.value).joined(separator: "\n"))")
        #expect(Set(differing.keys) == Self.documentedDifferences, "documented months that now agree: \(Self.documentedDifferences.subtracting(differing.keys).sorted())")
    }

    @Test("the documented differences are the days the issue names")
    func documentedDays() throws {
        // 2057: the table gives the 8th month 30 days; Foundation calls its 30th "day 0" of the 9th month.
        #expect(LunarTable.day(on: ScheduleFixtures.day("2057-09-28"))?.description == "2057 8-30")
        #expect(LunarTable.day(on: ScheduleFixtures.day("2057-09-29"))?.description == "2057 9-1")
        // 2097: the 7th month begins on 08-07 in the table, a day before Foundation's.
        #expect(LunarTable.day(on: ScheduleFixtures.day("2097-08-07"))?.description == "2097 7-1")
        #expect(LunarTable.day(on: ScheduleFixtures.day("2097-08-13"))?.description == "2097 7-7")
        // Before 1929, Beijing's local time: Spring Festival 1916 is 02-03.
        #expect(LunarTable.day(on: ScheduleFixtures.day("1916-02-03"))?.description == "1916 1-1")
    }

    @Test("the table spans Spring Festival 1901 to the eve of Spring Festival 2101, each year's months back to back")
    func span() throws {
        #expect(LunarTable.firstDay.description == "1901-02-19")
        #expect(LunarTable.lastDay.description == "2101-01-28")
        #expect(LunarTable.day(on: LunarTable.firstDay.adding(days: -1)) == nil)
        #expect(LunarTable.day(on: LunarTable.lastDay.adding(days: 1)) == nil)
        #expect(LunarTable.months(ofLunarYear: 1900) == nil && LunarTable.months(ofLunarYear: 2101) == nil)
        var next = LunarTable.firstDay
        for year in LunarTable.years {
            let months = try #require(LunarTable.months(ofLunarYear: year))
            #expect(months.count == 12 || months.count == 13)
            for month in months {
                #expect(month.firstDay == next, "\(year) month \(month.number)")
                #expect(month.length == 29 || month.length == 30)
                next = month.firstDay.adding(days: month.length)
            }
        }
        #expect(next == LunarTable.lastDay.adding(days: 1))
        // 2025's leap 6th month, 29 days from 2025-07-25.
        let leap = try #require(LunarTable.months(ofLunarYear: 2025)?.first { $0.isLeap })
        #expect((leap.number, leap.firstDay.description, leap.length) == (6, "2025-07-25", 29))
    }

    @Test("07-07 09:00 in 2097 fires on 2097-08-13, the 7th day of the month that begins 08-07")
    func qixi2097() throws {
        let schedule = ScheduleFixtures.lunarSchedule("07-07 09:00", in: "Asia/Shanghai")
        #expect(try schedule.nextFireTime(after: ScheduleFixtures.instant("2097-01-01T00:00:00Z")).map(ScheduleFixtures.iso) == "2097-08-13T01:00:00Z")
        #expect(try LunarDate(parsing: "07-07 09:00").gregorianDate(inLunarYear: 2097)?.description == "2097-08-13")
    }

    @Test("the 8th month of 2057 has a 30th, a day of its own after the 29th")
    func thirtiethOf2057() throws {
        let twentyNinth = try LunarDate(parsing: "08-29 09:00").gregorianDate(inLunarYear: 2057)
        let thirtieth = try LunarDate(parsing: "08-30 09:00").gregorianDate(inLunarYear: 2057)
        #expect(twentyNinth?.description == "2057-09-27")
        #expect(thirtieth?.description == "2057-09-28")
        let schedule = ScheduleFixtures.lunarSchedule("08-30 09:00", in: "Asia/Shanghai")
        #expect(try schedule.nextFireTime(after: ScheduleFixtures.instant("2057-01-01T00:00:00Z")).map(ScheduleFixtures.iso) == "2057-09-28T01:00:00Z")
    }

    @Test("fire times past lunar 2100 are refused with the limit, after the ones that are known")
    func beyondTheEnd() throws {
        let schedule = ScheduleFixtures.lunarSchedule("01-01 09:00", in: "Asia/Shanghai")
        let error = #expect(throws: ScheduleError.self) {
            try schedule.nextFireTimes(after: ScheduleFixtures.instant("2095-01-01T00:00:00Z"), count: 10)
        }
        guard case .beyondLunarTable(let found) = error else {
            Issue.record("expected beyondLunarTable, got \(String(describing: error))")
            return
        }
        // Spring Festivals 2095–2100; 2101's is not guessed.
        #expect(found.count == 6)
        #expect(found.last.map(ScheduleFixtures.iso) == "2100-02-09T01:00:00Z")
        #expect(error?.description == "lunar dates are known only for lunar years 1901–2100 (1901-02-19 to 2101-01-28), "
            + "and this schedule's fire times reach past that; they are not guessed")
        // The display form keeps what is known and says that the table ended.
        let upcoming = schedule.upcomingFireTimes(after: ScheduleFixtures.instant("2095-01-01T00:00:00Z"), count: 10)
        #expect(upcoming.times == found && upcoming.beyondLunarTable)
        // A range that reaches into lunar 2101 is refused too.
        #expect(throws: ScheduleError.self) {
            try schedule.fireTimes(in: (ScheduleFixtures.instant("2100-06-01T00:00:00Z"), ScheduleFixtures.instant("2101-06-01T00:00:00Z")), limit: 10)
        }
    }

    @Test("a search that ends before lunar 2101 begins is answered: a range, a window, New Year's Eve of 2100")
    func endingBeforeTheEnd() throws {
        let eve = ScheduleFixtures.lunarSchedule("12-30 20:00", in: "Asia/Shanghai")
        let lastEve = try eve.fireTimes(in: (ScheduleFixtures.instant("2100-06-01T00:00:00Z"), ScheduleFixtures.instant("2101-01-28T15:59:59Z")), limit: 10)
        #expect(lastEve.map(ScheduleFixtures.iso) == ["2101-01-28T12:00:00Z"])
        let windowed = ScheduleFixtures.lunarSchedule(
            "01-01 09:00", in: "Asia/Shanghai", window: ScheduleFixtures.window(from: nil, until: "2100-12-31"))
        #expect(try windowed.nextFireTimes(after: ScheduleFixtures.instant("2099-01-01T00:00:00Z"), count: 10).map(ScheduleFixtures.iso) == [
            "2099-01-21T01:00:00Z", "2100-02-09T01:00:00Z",
        ])
    }

    @Test("a window that opens before 1901 is refused rather than guessed; one opening later starts at the table")
    func beforeTheStart() throws {
        let early = ScheduleFixtures.lunarSchedule("01-01 09:00", in: "Asia/Shanghai", window: ScheduleFixtures.window(from: "1850-01-01", until: nil))
        #expect(throws: ScheduleError.self) {
            try early.nextFireTime(after: ScheduleFixtures.instant("1849-12-31T00:00:00Z"))
        }
        let schedule = ScheduleFixtures.lunarSchedule("12-29 09:00", in: "Asia/Shanghai")
        #expect(try schedule.nextFireTime(after: ScheduleFixtures.instant("1901-03-01T00:00:00Z")).map(ScheduleFixtures.iso) == "1902-02-07T01:00:00Z")
    }

    @Test("the scheduler's planner runs the fire times before the table's end and goes no further, saying why")
    func plannerStopsAtTheEnd() throws {
        let schedule = ScheduleFixtures.lunarSchedule("01-01 09:00", in: "Asia/Shanghai")
        let springFestival2100 = ScheduleFixtures.instant("2100-02-09T01:00:00Z")
        let plan = FirePlanner().plan(
            schedule: schedule, handledThrough: ScheduleFixtures.instant("2100-02-09T00:59:00Z"),
            now: ScheduleFixtures.instant("2101-03-01T00:00:00Z"), catchUp: .all)
        #expect(plan.fires.map(\.time) == [springFestival2100])
        #expect(plan.handledThrough == springFestival2100)
        #expect(plan.problem == .beyondLunarTable(found: [springFestival2100]))
        let later = FirePlanner().plan(
            schedule: schedule, handledThrough: springFestival2100, now: ScheduleFixtures.instant("2101-03-02T00:00:00Z"), catchUp: .all)
        #expect(later.fires.isEmpty && later.handledThrough == springFestival2100 && later.problem != nil)
    }
}
