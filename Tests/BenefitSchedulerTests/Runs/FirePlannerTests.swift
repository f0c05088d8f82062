import BenefitScheduler
import Foundation
import Testing

@Suite("Fire planning, without a database")
struct FirePlannerTests {
    /// Every hour on the hour, UTC.
    let hourly = Schedule(.cron(try! CronExpression(parsing: "0 * * * *")), timeZone: TimeZone(identifier: "UTC")!)
    let start = try! Date("2026-12-01T00:00:00Z", strategy: .iso8601)

    func hours(_ n: Double) -> Date { start.addingTimeInterval(n * 3600) }

    @Test("on-time fire times always run, whatever the catch-up policy", arguments: CatchUpPolicy.allCases)
    func onTimeFiresRun(_ policy: CatchUpPolicy) {
        let plan = FirePlanner().plan(schedule: hourly, handledThrough: hours(0.99), now: hours(1) + 2, catchUp: policy)
        #expect(plan.fires == [.init(time: hours(1), trigger: .schedule)])
        #expect(plan.handledThrough == hours(1) + 2)
    }

    @Test("after a pause across three fire times: none skips them, latest runs the last, all runs each")
    func missedFiresFollowThePolicy() {
        let planner = FirePlanner()
        // Handled through 00:30; now is 03:30 (fire times 01:00, 02:00, 03:00 missed).
        let none = planner.plan(schedule: hourly, handledThrough: hours(0.5), now: hours(3.5), catchUp: .none)
        #expect(none.fires.isEmpty)
        let latest = planner.plan(schedule: hourly, handledThrough: hours(0.5), now: hours(3.5), catchUp: .latest)
        #expect(latest.fires == [.init(time: hours(3), trigger: .catchUp)])
        let all = planner.plan(schedule: hourly, handledThrough: hours(0.5), now: hours(3.5), catchUp: .all)
        #expect(all.fires == [1, 2, 3].map { .init(time: hours($0), trigger: .catchUp) })
        for plan in [none, latest, all] { #expect(plan.handledThrough == hours(3.5)) }
    }

    @Test("latest gives way to an on-time fire time; all keeps the missed ones before it")
    func latestYieldsToOnTime() {
        let planner = FirePlanner()
        let now = hours(3) + 5
        let latest = planner.plan(schedule: hourly, handledThrough: hours(0.5), now: now, catchUp: .latest)
        #expect(latest.fires == [.init(time: hours(3), trigger: .schedule)])
        let all = planner.plan(schedule: hourly, handledThrough: hours(0.5), now: now, catchUp: .all)
        #expect(all.fires.map(\.trigger) == [.catchUp, .catchUp, .schedule])
    }

    @Test("a long outage is worked through in bounded ticks, losing nothing")
    func cappedTicksLoseNothing() {
        var planner = FirePlanner()
        planner.limit = 10
        var through = hours(0.5)
        var seen: [Date] = []
        for _ in 0..<10 {
            let plan = planner.plan(schedule: hourly, handledThrough: through, now: hours(30.5), catchUp: .all)
            seen += plan.fires.map(\.time)
            through = plan.handledThrough
        }
        #expect(seen == (1...30).map { hours(Double($0)) })
        #expect(through == hours(30.5))
    }
}
