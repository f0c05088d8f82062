import BenefitCore
import Foundation
import Testing

@Suite("Cron fire times")
struct CronFireTimeTests {
    /// One row of the cron table: an expression in a zone, asked for its next fire times after an instant.
    struct CronCase: Sendable, CustomTestStringConvertible {
        let expression: String
        let zone: String
        let after: String
        let expected: [String]

        init(_ expression: String, in zone: String = "UTC", after: String, _ expected: [String]) {
            self.expression = expression
            self.zone = zone
            self.after = after
            self.expected = expected
        }

        var testDescription: String { "\(expression) in \(zone) after \(after)" }
    }

    static let table: [CronCase] = [
        // Rare days: Feb 29 only comes every four years (eight across 2100).
        CronCase("0 0 29 2 *", after: "2026-01-01T00:00:00Z", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        CronCase("0 0 29 2 *", after: "2097-03-01T00:00:00Z", ["2104-02-29T00:00:00Z"]),
        CronCase("59 23 31 12 *", after: "2026-01-01T00:00:00Z", ["2026-12-31T23:59:00Z"]),
        // Day of month OR day of week when both are restricted (Vixie).
        CronCase("0 9 13 * FRI", after: "2026-01-01T00:00:00Z", [
            "2026-01-02T09:00:00Z", "2026-01-09T09:00:00Z", "2026-01-13T09:00:00Z",
            "2026-01-16T09:00:00Z", "2026-01-23T09:00:00Z",
        ]),
        CronCase("0 9 13 * *", after: "2026-01-01T00:00:00Z", ["2026-01-13T09:00:00Z", "2026-02-13T09:00:00Z"]),
        CronCase("0 9 * * FRI", after: "2026-01-01T00:00:00Z", ["2026-01-02T09:00:00Z", "2026-01-09T09:00:00Z"]),
        // A field starting with `*` makes it AND, as in Vixie: odd days that are Mondays…
        CronCase("0 12 */2 * MON", after: "2026-01-01T00:00:00Z", ["2026-01-05T12:00:00Z", "2026-01-19T12:00:00Z"]),
        // …while the same days written as a range are restricted, so it is OR.
        CronCase("0 12 1-31/2 * MON", after: "2026-01-01T00:00:00Z", [
            "2026-01-01T12:00:00Z", "2026-01-03T12:00:00Z", "2026-01-05T12:00:00Z", "2026-01-07T12:00:00Z",
            "2026-01-09T12:00:00Z", "2026-01-11T12:00:00Z", "2026-01-12T12:00:00Z",
        ]),
        // Steps, ranges, lists, names.
        CronCase("*/15 * * * *", after: "2026-05-05T10:07:30Z", [
            "2026-05-05T10:15:00Z", "2026-05-05T10:30:00Z", "2026-05-05T10:45:00Z", "2026-05-05T11:00:00Z",
        ]),
        CronCase("5/20 3-5 * * *", after: "2026-01-01T00:00:00Z", [
            "2026-01-01T03:05:00Z", "2026-01-01T03:25:00Z", "2026-01-01T03:45:00Z", "2026-01-01T04:05:00Z",
        ]),
        CronCase("0 0-23/6 * * *", after: "2026-01-01T00:00:00Z", [
            "2026-01-01T06:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T18:00:00Z", "2026-01-02T00:00:00Z",
        ]),
        CronCase("0 22 * * 1-5", after: "2026-05-08T22:00:00Z", ["2026-05-11T22:00:00Z", "2026-05-12T22:00:00Z"]),
        CronCase("0 0 * * MON-FRI/2", after: "2026-01-01T00:00:00Z", [
            "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-09T00:00:00Z",
        ]),
        CronCase("30 8 1 JAN,jul *", after: "2026-01-01T08:30:00Z", ["2026-07-01T08:30:00Z", "2027-01-01T08:30:00Z"]),
        CronCase("0 0 1,15 * *", after: "2026-01-01T00:00:00Z", [
            "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-15T00:00:00Z",
        ]),
        CronCase("0 0 1 */3 *", after: "2026-01-01T00:00:00Z", [
            "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z",
        ]),
        CronCase("0 12 * * 7", after: "2026-01-01T00:00:00Z", ["2026-01-04T12:00:00Z", "2026-01-11T12:00:00Z"]),
        CronCase("0 12 * * sun", after: "2026-01-01T00:00:00Z", ["2026-01-04T12:00:00Z", "2026-01-11T12:00:00Z"]),
        CronCase("* * * * *", after: "2026-12-31T23:59:30Z", ["2027-01-01T00:00:00Z", "2027-01-01T00:01:00Z"]),
        // Other zones: the rule is read on the zone's wall clock.
        CronCase("0 9 * * *", in: "Asia/Tokyo", after: "2025-12-31T23:59:00Z", [
            "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z",
        ]),
        CronCase("0 9 * * *", in: "Asia/Tokyo", after: "2026-01-01T00:00:00Z", ["2026-01-02T00:00:00Z"]),
        CronCase("0 9 * * *", in: "America/New_York", after: "2026-01-10T00:00:00Z", ["2026-01-10T14:00:00Z"]),
        CronCase("0 9 * * *", in: "America/New_York", after: "2026-07-10T00:00:00Z", ["2026-07-10T13:00:00Z"]),
        CronCase("0 9 * * *", in: "Asia/Kolkata", after: "2026-01-01T00:00:00Z", ["2026-01-01T03:30:00Z"]),
        CronCase("0 0 * * MON", in: "Pacific/Auckland", after: "2026-01-01T00:00:00Z", ["2026-01-04T11:00:00Z"]),
        // The 13th that is also a Friday fires once, not once per matching field.
        CronCase("0 9 13 * FRI", in: "Europe/Berlin", after: "2026-02-12T00:00:00Z", [
            "2026-02-13T08:00:00Z", "2026-02-20T08:00:00Z",
        ]),
        CronCase("0 0 29 2 *", in: "Europe/Berlin", after: "2026-01-01T00:00:00Z", ["2028-02-28T23:00:00Z"]),
    ]

    @Test("next fire times", arguments: table)
    func nextFireTimes(_ row: CronCase) throws {
        let schedule = ScheduleFixtures.cronSchedule(row.expression, in: row.zone)
        let times = try schedule.nextFireTimes(after: ScheduleFixtures.instant(row.after), count: row.expected.count)
        #expect(times.map(ScheduleFixtures.iso) == row.expected)
    }

    @Test("a rule that can never match returns nothing, quickly", arguments: [
        "0 0 30 2 *", "0 0 31 4,6,9,11 *", "* * 31 2,4,6,9,11 *",
    ])
    func neverMatches(expression: String) {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect((try? ScheduleFixtures.cronSchedule(expression).nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 3))?.isEmpty == true)
        }
        #expect(elapsed < .seconds(2))
    }

    @Test("a rule matching only decades apart is not cut short: Feb 29 on a Sunday")
    func decadesApart() throws {
        let schedule = ScheduleFixtures.cronSchedule("0 0 29 2 */7")
        // 2088 to 2128 is 40 years, because 2100 is not a leap year.
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2089-01-01T00:00:00Z"), count: 1).map(ScheduleFixtures.iso) == ["2128-02-29T00:00:00Z"])
    }

    @Test("count zero or negative gives nothing")
    func zeroCount() throws {
        #expect(try ScheduleFixtures.cronSchedule("* * * * *").nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 0).isEmpty)
        #expect(try ScheduleFixtures.cronSchedule("* * * * *").nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: -1).isEmpty)
    }

    @Test("fire times are strictly after the given instant, even with seconds")
    func strictlyAfter() throws {
        let schedule = ScheduleFixtures.cronSchedule("30 10 * * *")
        #expect(try schedule.nextFireTime(after: ScheduleFixtures.instant("2026-05-05T10:30:00Z")).map(ScheduleFixtures.iso) == "2026-05-06T10:30:00Z")
        #expect(try schedule.nextFireTime(after: ScheduleFixtures.instant("2026-05-05T10:29:59Z")).map(ScheduleFixtures.iso) == "2026-05-05T10:30:00Z")
        let halfASecondLater = ScheduleFixtures.instant("2026-05-05T10:30:00Z").addingTimeInterval(0.5)
        #expect(try schedule.nextFireTime(after: halfASecondLater).map(ScheduleFixtures.iso) == "2026-05-06T10:30:00Z")
    }
}
