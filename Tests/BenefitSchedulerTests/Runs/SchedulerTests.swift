import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Scheduler")
struct SchedulerTests {
    static let start = try! Date("2030-01-01T00:30:00Z", strategy: .iso8601)
    static func at(hours: Double) -> Date { start.addingTimeInterval(hours * 3600) }

    /// An hourly campaign handled through `start`, with no workers: its runs stay active.
    static func hourlyCampaign(_ name: String, catchUp: CatchUpPolicy, overlap: OverlapPolicy, on pool: PostgresPool) async throws {
        try await RunFixtures.apply(CampaignText.yaml(
            name: name, program: "synthetic", cron: "0 * * * *", catchUp: catchUp.rawValue, overlap: overlap.rawValue,
            parameters: "{ members: 10 }"), on: pool)
        try await pool.query("UPDATE benefit.campaign SET scheduled_through = \(start) WHERE name = \(name)")
    }

    static func runs(_ name: String, on pool: PostgresPool) async throws -> [(fireTime: Date, trigger: String, planned: Bool)] {
        try await pool.query("""
            SELECT r.fire_time, r.trigger, r.plan_job_id IS NOT NULL
            FROM benefit.run r JOIN benefit.campaign c ON c.id = r.campaign_id
            WHERE c.name = \(name) ORDER BY r.fire_time
            """).decode((Date, String, Bool).self).map { (fireTime: $0.0, trigger: $0.1, planned: $0.2) }
    }

    @Test("after a pause across three fire times: catchUp none runs none, latest the last, all each", arguments: CatchUpPolicy.allCases)
    func catchUpAfterPause(_ policy: CatchUpPolicy) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            try await Self.hourlyCampaign("paused", catchUp: policy, overlap: .allow, on: pool)
            let clock = ManualClock(Self.start)
            let scheduler = CampaignScheduler(pool: pool, clock: clock, logger: TestDatabase.quietLogger)
            #expect(try await CampaignStore.pause("paused", reason: "budget review", by: "tester@tests", on: pool) != nil)
            for hour in [1.0, 2, 3] {
                clock.set(Self.at(hours: hour) + 1)
                #expect(try await scheduler.tick().runsCreated == 0)
            }
            clock.set(Self.at(hours: 3.2))
            #expect(try await CampaignStore.resume("paused", by: "tester@tests", on: pool) != nil)
            try await scheduler.tick()
            let runs = try await Self.runs("paused", on: pool)
            switch policy {
            case .none: #expect(runs.isEmpty)
            case .latest: #expect(runs.map(\.fireTime) == [Self.at(hours: 2.5)])
            case .all: #expect(runs.map(\.fireTime) == [0.5, 1.5, 2.5].map(Self.at(hours:)))
            }
            #expect(runs.allSatisfy { $0.trigger == "catch-up" })
            // Nothing more on the next tick: those fire times are handled.
            #expect(try await scheduler.tick().runsCreated == 0)
        }
    }

    @Test("a fire time during a long run: overlap skip skips it, queue holds it until the run ends, allow starts it", arguments: OverlapPolicy.allCases)
    func overlapWithLongRun(_ policy: OverlapPolicy) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            try await Self.hourlyCampaign("busy", catchUp: .none, overlap: policy, on: pool)
            let clock = ManualClock(Self.at(hours: 0.5) + 2)
            let scheduler = CampaignScheduler(pool: pool, clock: clock, logger: TestDatabase.quietLogger)
            #expect(try await scheduler.tick().runsCreated == 1)
            clock.set(Self.at(hours: 1.5) + 2)
            let second = try await scheduler.tick()
            var runs = try await Self.runs("busy", on: pool)
            switch policy {
            case .skip:
                #expect(second.firesSkipped == 1)
                #expect(runs.count == 1)
            case .queue:
                #expect(runs.map(\.planned) == [true, false])
            case .allow:
                #expect(runs.map(\.planned) == [true, true])
            }
            // The long run ends.
            try await pool.query("""
                UPDATE benefit.job SET state = 'cancelled', finished_at = now() WHERE group_key = (SELECT 'run:' || min(id) FROM benefit.run);
                """)
            try await pool.query("UPDATE benefit.run SET state = 'succeeded', finished_at = now() WHERE id = (SELECT min(id) FROM benefit.run)")
            clock.set(Self.at(hours: 1.5) + 5)
            let third = try await scheduler.tick()
            runs = try await Self.runs("busy", on: pool)
            switch policy {
            case .skip: #expect(runs.count == 1)
            case .queue:
                #expect(third.runsStarted == 1)
                #expect(runs.map(\.planned) == [true, true])
            case .allow: #expect(runs.count == 2)
            }
        }
    }

    @Test("two schedulers that both believe they lead still create each run once")
    func twoLeadersCreateEachRunOnce() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            try await Self.hourlyCampaign("contested", catchUp: .all, overlap: .allow, on: pool)
            let clock = ManualClock(Self.start)
            var settings = CampaignScheduler.Configuration()
            // A lease so short that leadership lapses between ticks: both take it in turn, and often at once.
            settings.leader.lease = .milliseconds(1)
            let schedulers = ["a", "b"].map { name -> CampaignScheduler in
                var own = settings
                own.name = name
                return CampaignScheduler(pool: pool, clock: clock, configuration: own, logger: TestDatabase.quietLogger)
            }
            for hour in 1...50 {
                clock.set(Self.at(hours: Double(hour)))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for scheduler in schedulers { group.addTask { for _ in 0..<3 { try await scheduler.tick() } } }
                    try await group.waitForAll()
                }
            }
            let runs = try await Self.runs("contested", on: pool)
            let expected = (1...50).map { Self.at(hours: Double($0) - 0.5) }
            #expect(runs.map(\.fireTime) == expected)
        }
    }
}
