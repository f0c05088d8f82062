import BenefitScheduler
import Foundation
import Testing

@Suite("Active windows")
struct ScheduleWindowTests {
    @Test("cron fire times outside the window are not produced; both bound days are included")
    func cronInsideWindow() throws {
        let schedule = ScheduleFixtures.cronSchedule("0 9 * * *", in: "Europe/Berlin", window: ScheduleFixtures.window(from: "2026-04-10", until: "2026-04-12"))
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 10).map(ScheduleFixtures.iso) == [
            "2026-04-10T07:00:00Z", "2026-04-11T07:00:00Z", "2026-04-12T07:00:00Z",
        ])
    }

    @Test("the window runs from 00:00 of the first day to the end of the last, in the schedule's zone")
    func windowEdges() throws {
        let twoDays = ScheduleFixtures.window(from: "2026-04-10", until: "2026-04-11")
        let schedule = ScheduleFixtures.cronSchedule("0,59 0,23 * * *", in: "Europe/Berlin", window: twoDays)
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 10).map(ScheduleFixtures.iso) == [
            "2026-04-09T22:00:00Z", "2026-04-09T22:59:00Z", "2026-04-10T21:00:00Z", "2026-04-10T21:59:00Z",
            "2026-04-10T22:00:00Z", "2026-04-10T22:59:00Z", "2026-04-11T21:00:00Z", "2026-04-11T21:59:00Z",
        ])
    }

    @Test("a window open at the start only ends the schedule; one open at the end only starts it")
    func halfOpenWindows() throws {
        let untilOnly = ScheduleFixtures.cronSchedule("0 12 1 * *", window: ScheduleFixtures.window(from: nil, until: "2026-03-01"))
        #expect(try untilOnly.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 10).map(ScheduleFixtures.iso) == [
            "2026-01-01T12:00:00Z", "2026-02-01T12:00:00Z", "2026-03-01T12:00:00Z",
        ])
        let fromOnly = ScheduleFixtures.cronSchedule("0 12 1 * *", window: ScheduleFixtures.window(from: "2030-06-02", until: nil))
        #expect(try fromOnly.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 2).map(ScheduleFixtures.iso) == [
            "2030-07-01T12:00:00Z", "2030-08-01T12:00:00Z",
        ])
    }

    @Test("a window far in the future is reached without walking every day before it")
    func farFuture() throws {
        let schedule = ScheduleFixtures.cronSchedule("0 0 * * *", window: ScheduleFixtures.window(from: "2400-01-01", until: nil))
        #expect(try schedule.nextFireTime(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z")).map(ScheduleFixtures.iso) == "2400-01-01T00:00:00Z")
    }

    @Test("an at schedule fires once inside the window and not at all outside it")
    func atSchedules() throws {
        let april = ScheduleFixtures.window(from: "2026-04-01", until: "2026-04-30")
        let inside = Schedule(.at(ScheduleFixtures.instant("2026-04-15T10:00:00Z")), timeZone: ScheduleFixtures.zone("Europe/Berlin"), window: april)
        let outside = Schedule(.at(ScheduleFixtures.instant("2026-05-15T10:00:00Z")), timeZone: ScheduleFixtures.zone("Europe/Berlin"), window: april)
        // 2026-04-30T23:30 in Berlin is still inside; as UTC it is 21:30.
        let lastEvening = Schedule(.at(ScheduleFixtures.instant("2026-04-30T21:30:00Z")), timeZone: ScheduleFixtures.zone("Europe/Berlin"), window: april)
        let justAfter = Schedule(.at(ScheduleFixtures.instant("2026-04-30T22:00:00Z")), timeZone: ScheduleFixtures.zone("Europe/Berlin"), window: april)
        let start = ScheduleFixtures.instant("2026-01-01T00:00:00Z")
        #expect(try inside.nextFireTimes(after: start, count: 5).map(ScheduleFixtures.iso) == ["2026-04-15T10:00:00Z"])
        #expect(try outside.nextFireTimes(after: start, count: 5).isEmpty)
        #expect(try lastEvening.nextFireTimes(after: start, count: 5).map(ScheduleFixtures.iso) == ["2026-04-30T21:30:00Z"])
        #expect(try justAfter.nextFireTimes(after: start, count: 5).isEmpty)
    }

    @Test("an at schedule fires only strictly after the asked instant")
    func atIsOneOff() throws {
        let schedule = Schedule(.at(ScheduleFixtures.instant("2026-04-15T10:00:00Z")), timeZone: ScheduleFixtures.zone("UTC"))
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-04-15T09:59:59Z"), count: 3).map(ScheduleFixtures.iso) == ["2026-04-15T10:00:00Z"])
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-04-15T10:00:00Z"), count: 3).isEmpty)
    }

    @Test("lunar fire times outside the window are not produced")
    func lunarWindow() throws {
        let twoYears = ScheduleFixtures.window(from: "2026-01-01", until: "2027-12-31")
        let schedule = ScheduleFixtures.lunarSchedule("08-15 19:00", in: "Asia/Shanghai", window: twoYears)
        #expect(try schedule.nextFireTimes(after: ScheduleFixtures.instant("2020-01-01T00:00:00Z"), count: 10).map(ScheduleFixtures.iso) == [
            "2026-09-25T11:00:00Z", "2027-09-15T11:00:00Z",
        ])
    }

    @Test("a window ending before it starts is rejected")
    func invertedWindow() {
        #expect(throws: ScheduleError.invertedWindow(from: ScheduleFixtures.day("2026-05-01"), until: ScheduleFixtures.day("2026-04-30"))) {
            try ScheduleWindow(from: ScheduleFixtures.day("2026-05-01"), until: ScheduleFixtures.day("2026-04-30"))
        }
    }

    @Test("a window's first instant is the end of the gap when the zone skips midnight")
    func midnightGap() {
        // Havana springs forward at midnight: 2026-03-08 starts at 01:00 CDT (05:00Z).
        let havana = ScheduleFixtures.zone("America/Havana")
        #expect(ScheduleFixtures.window(from: "2026-03-08", until: nil).firstInstant(in: havana).map(ScheduleFixtures.iso) == "2026-03-08T05:00:00Z")
    }

    @Test("schedules accept a zone identifier and reject unknown ones")
    func zoneIdentifiers() throws {
        let schedule = try Schedule(.at(ScheduleFixtures.instant("2026-04-15T10:00:00Z")), timeZoneIdentifier: "Europe/Berlin")
        #expect(schedule.timeZone.identifier == "Europe/Berlin")
        #expect(throws: ScheduleError.unknownTimeZone("Mars/Olympus_Mons")) {
            try Schedule(.at(ScheduleFixtures.instant("2026-04-15T10:00:00Z")), timeZoneIdentifier: "Mars/Olympus_Mons")
        }
    }
}
