import BenefitScheduler
import Foundation
import Testing

/// Around clock changes every wall-clock time fires exactly once: skipped times at the first instant after the gap,
/// repeated times at their first occurrence.
@Suite("Daylight-saving changes")
struct DaylightSavingTests {
    // MARK: Resolving single readings

    struct ResolutionCase: Sendable, CustomTestStringConvertible {
        let zone: String
        let reading: (day: String, hour: Int, minute: Int)
        let expected: ZonedTime.Resolution
        var testDescription: String { "\(reading.day) \(reading.hour):\(reading.minute) \(zone)" }
    }

    static let resolutions: [ResolutionCase] = [
        ResolutionCase(zone: "America/New_York", reading: ("2026-07-01", 12, 0),
            expected: .unique(ScheduleFixtures.instant("2026-07-01T16:00:00Z"))),
        ResolutionCase(zone: "America/New_York", reading: ("2026-03-08", 2, 30),
            expected: .skipped(firstInstantAfterGap: ScheduleFixtures.instant("2026-03-08T07:00:00Z"))),
        ResolutionCase(zone: "America/New_York", reading: ("2026-03-08", 2, 0),
            expected: .skipped(firstInstantAfterGap: ScheduleFixtures.instant("2026-03-08T07:00:00Z"))),
        ResolutionCase(zone: "America/New_York", reading: ("2026-03-08", 3, 0),
            expected: .unique(ScheduleFixtures.instant("2026-03-08T07:00:00Z"))),
        ResolutionCase(zone: "America/New_York", reading: ("2026-03-08", 1, 59),
            expected: .unique(ScheduleFixtures.instant("2026-03-08T06:59:00Z"))),
        ResolutionCase(zone: "America/New_York", reading: ("2026-11-01", 1, 30),
            expected: .repeated(first: ScheduleFixtures.instant("2026-11-01T05:30:00Z"), second: ScheduleFixtures.instant("2026-11-01T06:30:00Z"))),
        ResolutionCase(zone: "America/New_York", reading: ("2026-11-01", 2, 0),
            expected: .unique(ScheduleFixtures.instant("2026-11-01T07:00:00Z"))),
        ResolutionCase(zone: "Europe/Berlin", reading: ("2026-03-29", 2, 30),
            expected: .skipped(firstInstantAfterGap: ScheduleFixtures.instant("2026-03-29T01:00:00Z"))),
        ResolutionCase(zone: "Europe/Berlin", reading: ("2026-10-25", 2, 30),
            expected: .repeated(first: ScheduleFixtures.instant("2026-10-25T00:30:00Z"), second: ScheduleFixtures.instant("2026-10-25T01:30:00Z"))),
        // Lord Howe Island moves its clocks by half an hour.
        ResolutionCase(zone: "Australia/Lord_Howe", reading: ("2026-10-04", 2, 15),
            expected: .skipped(firstInstantAfterGap: ScheduleFixtures.instant("2026-10-03T15:30:00Z"))),
        ResolutionCase(zone: "Australia/Lord_Howe", reading: ("2026-04-05", 1, 45),
            expected: .repeated(first: ScheduleFixtures.instant("2026-04-04T14:45:00Z"), second: ScheduleFixtures.instant("2026-04-04T15:15:00Z"))),
    ]

    @Test("readings resolve to none, one or two instants", arguments: resolutions)
    func resolution(_ row: ResolutionCase) {
        let reading = ZonedTime(
            date: ScheduleFixtures.day(row.reading.day), hour: row.reading.hour, minute: row.reading.minute,
            timeZone: ScheduleFixtures.zone(row.zone)
        )
        #expect(reading.resolution == row.expected)
    }

    @Test("reading an instant agrees with Foundation's Gregorian calendar across clock changes", arguments: [
        "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
    ])
    func readingAgreesWithFoundation(zoneName: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = ScheduleFixtures.zone(zoneName)
        var moment = ScheduleFixtures.instant("2026-01-01T00:00:00Z")
        while moment < ScheduleFixtures.instant("2027-01-01T00:00:00Z") {
            let reading = ZonedTime(reading: moment, in: ScheduleFixtures.zone(zoneName))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: moment)
            #expect([reading.date.year, reading.date.month, reading.date.day, reading.hour, reading.minute]
                == [parts.year, parts.month, parts.day, parts.hour, parts.minute], "\(ScheduleFixtures.iso(moment))")
            moment = moment.addingTimeInterval(97 * 60 + 13)
        }
    }

    // MARK: Cron across the changes

    struct CronAcrossChange: Sendable, CustomTestStringConvertible {
        let expression: String
        let zone: String
        let after: String
        let expected: [String]
        var testDescription: String { "\(expression) in \(zone) after \(after)" }
    }

    static let crons: [CronAcrossChange] = [
        // New York springs forward at 02:00 EST (07:00Z) on 2026-03-08: 02:30 fires once, at 03:00 EDT.
        CronAcrossChange(expression: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T00:00:00Z", expected: [
            "2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z",
        ]),
        // Four readings in the gap collapse into one fire time.
        CronAcrossChange(expression: "*/15 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00Z", expected: [
            "2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T06:15:00Z",
        ]),
        // 02:00 and 02:30 fall in the gap and land on 03:00, which also fires in its own right: still once.
        CronAcrossChange(expression: "0,30 2,3 * * *", zone: "America/New_York", after: "2026-03-08T00:00:00Z", expected: [
            "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:00:00Z",
        ]),
        // New York falls back at 02:00 EDT (06:00Z) on 2026-11-01: 01:30 fires at its first occurrence only.
        CronAcrossChange(expression: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00Z", expected: [
            "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z",
        ]),
        // Asked from inside the repeated hour, neither occurrence fires again.
        CronAcrossChange(expression: "45 1 * * *", zone: "America/New_York", after: "2026-11-01T06:10:00Z", expected: [
            "2026-11-02T06:45:00Z",
        ]),
        CronAcrossChange(expression: "0 * * * *", zone: "America/New_York", after: "2026-11-01T05:30:00Z", expected: [
            "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z",
        ]),
        // Berlin springs forward at 02:00 CET (01:00Z) on 2026-03-29 and falls back at 03:00 CEST (01:00Z) on 2026-10-25.
        CronAcrossChange(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-03-28T00:00:00Z", expected: [
            "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z",
        ]),
        CronAcrossChange(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-10-24T00:00:00Z", expected: [
            "2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z",
        ]),
        CronAcrossChange(expression: "15 2 * * *", zone: "Australia/Lord_Howe", after: "2026-10-03T00:00:00Z", expected: [
            "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z",
        ]),
    ]

    @Test("cron fire times across the change", arguments: crons)
    func cronAcrossChange(_ row: CronAcrossChange) throws {
        let times = try ScheduleFixtures.cronSchedule(row.expression, in: row.zone)
            .nextFireTimes(after: ScheduleFixtures.instant(row.after), count: row.expected.count)
        #expect(times.map(ScheduleFixtures.iso) == row.expected)
    }

    @Test("hourly cron on spring-forward day: one fire every real hour, none doubled", arguments: [
        ("America/New_York", "2026-03-08T04:00:00Z", "2026-03-08T10:00:00Z"),
        ("Europe/Berlin", "2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z"),
    ])
    func hourlySpringForward(zoneName: String, from: String, through: String) throws {
        let (start, end) = (ScheduleFixtures.instant(from), ScheduleFixtures.instant(through))
        let times = try ScheduleFixtures.cronSchedule("0 * * * *", in: zoneName).fireTimes(in: (start, end), limit: 100)
        let expected = stride(from: start.addingTimeInterval(3600), through: end, by: 3600).map(ScheduleFixtures.iso)
        #expect(times.map(ScheduleFixtures.iso) == expected)
    }

    @Test("hourly cron on fall-back day: each wall-clock hour fires once, the repeated hour only the first time", arguments: [
        ("America/New_York", "2026-11-01", ["2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"]),
        ("Europe/Berlin", "2026-10-25", ["2026-10-24T22:00:00Z", "2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"]),
    ])
    func hourlyFallBack(zoneName: String, date: String, firstFour: [String]) throws {
        let tz = ScheduleFixtures.zone(zoneName)
        let thatDayOnly = ScheduleFixtures.window(from: date, until: date)
        let times = try ScheduleFixtures.cronSchedule("0 * * * *", in: zoneName, window: thatDayOnly)
            .nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 100)
        #expect(times.prefix(4).map(ScheduleFixtures.iso) == firstFour)
        #expect(times.map { ZonedTime(reading: $0, in: tz).hour } == Array(0...23))
        #expect(Set(times).count == times.count)
    }

    @Test("three days of every-minute cron across each change has no duplicate and no hole bigger than the gap", arguments: [
        ("America/New_York", "2026-03-07T00:00:00Z"),
        ("America/New_York", "2026-10-31T00:00:00Z"),
        ("Europe/Berlin", "2026-03-28T00:00:00Z"),
        ("Europe/Berlin", "2026-10-24T00:00:00Z"),
    ])
    func everyMinute(zoneName: String, from: String) throws {
        let start = ScheduleFixtures.instant(from)
        let times = try ScheduleFixtures.cronSchedule("* * * * *", in: zoneName).fireTimes(in: (start, start.addingTimeInterval(3 * 86_400)), limit: 10_000)
        let steps = zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }
        #expect(steps.allSatisfy { $0 > 0 })
        // Spring forward: the 60 skipped minutes become one fire at the end of the gap, so steps stay 60 s.
        // Fall back: the repeated hour fires once, leaving one step of 3660 s.
        let isFallBack = from.hasPrefix("2026-10")
        #expect(steps.filter { $0 != 60 } == (isFallBack ? [3660] : []))
        #expect(times.count == (isFallBack ? 3 * 1440 - 60 : 3 * 1440))
    }
}
