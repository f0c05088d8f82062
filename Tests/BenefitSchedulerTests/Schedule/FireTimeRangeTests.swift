import BenefitCore
import BenefitScheduler
import Foundation
import Testing

@Suite("Fire times in a range")
struct FireTimeRangeTests {
    @Test("the range is (after, through]: the first bound excluded, the last included")
    func halfOpen() throws {
        let schedule = ScheduleFixtures.cronSchedule("0 * * * *")
        let times = try schedule.fireTimes(in: (ScheduleFixtures.instant("2026-05-05T10:00:00Z"), ScheduleFixtures.instant("2026-05-05T13:00:00Z")), limit: 100)
        #expect(times.map(ScheduleFixtures.iso) == ["2026-05-05T11:00:00Z", "2026-05-05T12:00:00Z", "2026-05-05T13:00:00Z"])
    }

    @Test("at most limit fire times, the earliest ones")
    func limit() throws {
        let schedule = ScheduleFixtures.cronSchedule("*/10 * * * *")
        let times = try schedule.fireTimes(in: (ScheduleFixtures.instant("2026-05-05T10:00:00Z"), ScheduleFixtures.instant("2026-05-06T10:00:00Z")), limit: 3)
        #expect(times.map(ScheduleFixtures.iso) == ["2026-05-05T10:10:00Z", "2026-05-05T10:20:00Z", "2026-05-05T10:30:00Z"])
        #expect(try schedule.fireTimes(in: (ScheduleFixtures.instant("2026-05-05T10:00:00Z"), ScheduleFixtures.instant("2026-05-06T10:00:00Z")), limit: 0).isEmpty)
    }

    @Test("a backfill's range is [from, before): the first bound included, the last excluded, and the limit counts what is inside")
    func fromBefore() throws {
        let schedule = ScheduleFixtures.cronSchedule("0 * * * *")
        let (ten, thirteen) = (ScheduleFixtures.instant("2026-05-05T10:00:00Z"), ScheduleFixtures.instant("2026-05-05T13:00:00Z"))
        let times = try schedule.fireTimes(from: ten, before: thirteen, limit: 100)
        #expect(times.map(ScheduleFixtures.iso) == ["2026-05-05T10:00:00Z", "2026-05-05T11:00:00Z", "2026-05-05T12:00:00Z"])
        #expect(try schedule.fireTimes(from: ten, before: thirteen, limit: 1).map(ScheduleFixtures.iso) == ["2026-05-05T10:00:00Z"])
        // A fire time a second before the range is outside it.
        let everyMinute = ScheduleFixtures.cronSchedule("* * * * *")
        #expect(try everyMinute.fireTimes(from: ten.addingTimeInterval(1), before: ten.addingTimeInterval(61), limit: 10).map(ScheduleFixtures.iso)
            == ["2026-05-05T10:01:00Z"])
        #expect(try schedule.fireTimes(from: ten, before: ten, limit: 10).isEmpty)
        #expect(try schedule.fireTimes(from: thirteen, before: ten, limit: 10).isEmpty)
        // Slices that meet see each fire time once.
        let whole = try everyMinute.fireTimes(from: ten, before: thirteen, limit: 1_000)
        let sliced = try everyMinute.fireTimes(from: ten, before: ten.addingTimeInterval(3_333), limit: 1_000)
            + everyMinute.fireTimes(from: ten.addingTimeInterval(3_333), before: thirteen, limit: 1_000)
        #expect(whole.count == 180 && sliced == whole)
    }

    @Test("an empty or inverted range has no fire times")
    func emptyRange() throws {
        let schedule = ScheduleFixtures.cronSchedule("* * * * *")
        let moment = ScheduleFixtures.instant("2026-05-05T10:00:00Z")
        #expect(try schedule.fireTimes(in: (moment, moment), limit: 10).isEmpty)
        #expect(try schedule.fireTimes(in: (moment, moment.addingTimeInterval(-3600)), limit: 10).isEmpty)
    }

    @Test("an at schedule appears only if its instant is in the range")
    func atSchedule() throws {
        let schedule = Schedule(.at(ScheduleFixtures.instant("2026-05-05T10:00:00Z")), timeZone: ScheduleFixtures.zone("UTC"))
        let endingAtIt = (ScheduleFixtures.instant("2026-05-05T09:00:00Z"), ScheduleFixtures.instant("2026-05-05T10:00:00Z"))
        #expect(try schedule.fireTimes(in: endingAtIt, limit: 5).map(ScheduleFixtures.iso) == ["2026-05-05T10:00:00Z"])
        #expect(try schedule.fireTimes(in: (ScheduleFixtures.instant("2026-05-05T10:00:00Z"), ScheduleFixtures.instant("2026-05-05T11:00:00Z")), limit: 5).isEmpty)
    }

    @Test("a never-matching rule over a century gives nothing, quickly")
    func neverMatchingOverCentury() {
        let elapsed = ContinuousClock().measure {
            let century = (ScheduleFixtures.instant("2000-01-01T00:00:00Z"), ScheduleFixtures.instant("2100-01-01T00:00:00Z"))
            #expect((try? ScheduleFixtures.cronSchedule("0 0 30 2 *").fireTimes(in: century, limit: 10))?.isEmpty == true)
        }
        #expect(elapsed < .seconds(2))
    }

    /// Schedules of every kind and a few zones, for comparing the two questions with each other.
    static let schedules: [Schedule] = [
        ScheduleFixtures.cronSchedule("0 9 13 * FRI", in: "Europe/Berlin"),
        ScheduleFixtures.cronSchedule("*/20 1-3 * * *", in: "America/New_York"),
        ScheduleFixtures.cronSchedule("30 2 * * *", in: "Europe/Berlin"),
        ScheduleFixtures.cronSchedule("0 0 29 2 *", in: "Asia/Tokyo"),
        ScheduleFixtures.lunarSchedule("12-23 10:00", in: "Asia/Shanghai"),
        ScheduleFixtures.lunarSchedule("01-01 09:00", in: "Europe/Berlin", window: ScheduleFixtures.window(from: "2026-06-01", until: "2030-12-31")),
        Schedule(.at(ScheduleFixtures.instant("2026-11-01T05:30:00Z")), timeZone: ScheduleFixtures.zone("America/New_York")),
    ]

    @Test("consecutive ranges see exactly the fire times nextFireTimes lists, each once", arguments: 0..<schedules.count)
    func agreesWithNextFireTimes(index: Int) throws {
        let schedule = Self.schedules[index]
        let start = ScheduleFixtures.instant("2025-12-30T00:00:00Z")
        let end = ScheduleFixtures.instant("2031-01-01T00:00:00Z")
        // Chaining nextFireTime one at a time is the slowest but plainest way to list them.
        var expected: [Date] = []
        while let next = try schedule.nextFireTime(after: expected.last ?? start), next <= end {
            expected.append(next)
        }

        // Poll in uneven slices, the way a scheduler loop would, and stitch the answers together.
        var polled: [Date] = []
        var sliceStart = start
        var sliceLength: TimeInterval = 3 * 86_400 + 1234
        while sliceStart < end {
            let sliceEnd = min(sliceStart.addingTimeInterval(sliceLength), end)
            polled += try schedule.fireTimes(in: (sliceStart, sliceEnd), limit: 100_000)
            sliceStart = sliceEnd
            sliceLength = sliceLength * 1.7 > 200 * 86_400 ? 3 * 86_400 + 1234 : sliceLength * 1.7
        }
        #expect(polled == expected)
        #expect(!expected.isEmpty)
    }
}
