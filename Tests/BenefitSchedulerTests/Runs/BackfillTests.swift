import BenefitAudit
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `campaign backfill`, as an operator login does it, against what the database then holds.
@Suite("Campaign backfill")
struct BackfillTests {
    /// Monday 2025-03-03 to Monday 2025-03-10 in Shanghai: seven days, each with its 09:00.
    static let weekStart = try! Date("2025-03-03T00:00:00+08:00", strategy: .iso8601)
    static let weekEnd = try! Date("2025-03-10T00:00:00+08:00", strategy: .iso8601)
    static let nineOClocks = (0..<7).map { weekStart.addingTimeInterval(Double($0) * 86_400 + 9 * 3600) }
    static let by = "alice@ops-1"

    /// A fresh database holding a daily 09:00 Shanghai campaign `name` of the synthetic program, applied by
    /// the owner; `body` gets a pool of the owner's and one of an operator login's (the backfills' role).
    static func withDaily(
        _ name: String, overlap: OverlapPolicy = .allow, _ body: (_ owner: PostgresPool, _ login: PostgresPool) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { owner.close() }
            try await RunFixtures.apply(CampaignText.yaml(
                name: name, program: "synthetic", timezone: "Asia/Shanghai", overlap: overlap.rawValue, parameters: "{ members: 10 }"), on: owner)
            try await body(owner, login)
        }
    }

    static func runs(_ name: String, on pool: PostgresPool) async throws -> [(fireTime: Date, trigger: String, planned: Bool, cycle: String)] {
        try await pool.query("""
            SELECT r.fire_time, r.trigger, r.plan_job_id IS NOT NULL, r.cycle
            FROM benefit.run r JOIN benefit.campaign c ON c.id = r.campaign_id
            WHERE c.name = \(name) ORDER BY r.fire_time
            """).decode((Date, String, Bool, String).self).map { (fireTime: $0.0, trigger: $0.1, planned: $0.2, cycle: $0.3) }
    }

    static func count(_ query: PostgresQuery, on pool: PostgresPool) async throws -> Int {
        try await pool.query(query).single(Int.self)
    }

    @Test("a daily campaign backfilled over a week gets seven runs with trigger backfill, one audit row; the same week again gets none and records nothing")
    func weekOfDailyRuns() async throws {
        try await Self.withDaily("daily") { owner, login in
            let first = try await Backfill.run("daily", from: Self.weekStart, to: Self.weekEnd, dryRun: false, reason: "servers down that week", by: Self.by, on: login)
            #expect(first.runsCreated == 7)
            #expect(first.fireTimes.map(\.time) == Self.nineOClocks)
            let runs = try await Self.runs("daily", on: owner)
            #expect(runs.map(\.fireTime) == Self.nineOClocks)
            #expect(runs.allSatisfy { $0.trigger == "backfill" && $0.planned && $0.cycle == "2025" })
            #expect(try await Self.count("SELECT count(*) FROM benefit.job WHERE kind = 'campaign.plan'", on: owner) == 7)

            let again = try await Backfill.run("daily", from: Self.weekStart, to: Self.weekEnd, dryRun: false, by: Self.by, on: login)
            #expect(again.runsCreated == 0)
            #expect(again.fireTimes.allSatisfy { if case .exists(let id) = $0.outcome { id != nil } else { false } })
            #expect(try await Self.count("SELECT count(*) FROM benefit.run", on: owner) == 7)

            let events = try await AuditTrail.events(AuditFilter(action: .campaignBackfill), on: owner)
            try #require(events.count == 1)
            #expect(events[0].target == "daily" && events[0].reason == "servers down that week" && events[0].operatorName == Self.by)
            #expect(events[0].details == ["from": "2025-03-02T16:00:00Z", "to": "2025-03-09T16:00:00Z", "runs": 7])
        }
    }

    @Test("three backfills of the same week at once create each run once between them")
    func concurrentBackfillsCreateEachRunOnce() async throws {
        try await Self.withDaily("raced") { owner, login in
            let created = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await Backfill.run("raced", from: Self.weekStart, to: Self.weekEnd, dryRun: false, by: Self.by, on: login).runsCreated
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(created == 7)
            #expect(try await Self.runs("raced", on: owner).map(\.fireTime) == Self.nineOClocks)
            let recorded = try await AuditTrail.events(AuditFilter(action: .campaignBackfill), on: owner)
            #expect(recorded.map { $0.details["runs"] }.reduce(0) { total, runs in
                if case .integer(let count)? = runs { total + count } else { total }
            } == 7)
        }
    }

    @Test("a dry run lists the fire times with and without a run and writes nothing: no run, job or audit row")
    func dryRunWritesNothing() async throws {
        try await Self.withDaily("dry") { owner, login in
            // Tuesday's and Wednesday's runs exist already.
            try await Backfill.run("dry", from: Self.nineOClocks[1], to: Self.nineOClocks[3], dryRun: false, by: Self.by, on: login)
            let written: PostgresQuery = "SELECT (SELECT count(*) FROM benefit.run) + (SELECT count(*) FROM benefit.job) + (SELECT count(*) FROM benefit.audit_event)"
            let before = try await Self.count(written, on: owner)

            let dry = try await Backfill.run("dry", from: Self.weekStart, to: Self.weekEnd, dryRun: true, by: Self.by, on: login)
            #expect(dry.fireTimes.map(\.time) == Self.nineOClocks)
            let wouldCreate = dry.fireTimes.filter { if case .wouldCreate = $0.outcome { true } else { false } }.map(\.time)
            #expect(wouldCreate == [0, 3, 4, 5, 6].map { Self.nineOClocks[$0] })
            #expect(dry.runsCreated == 0)
            let after = try await Self.count(written, on: owner)
            #expect(after == before)
        }
    }

    @Test("with a run going, allow plans every backfilled run at once; queue and skip queue them, and the scheduler starts them one at a time in fire-time order",
          arguments: OverlapPolicy.allCases)
    func overlapPolicyDecidesWhenRunsStart(_ policy: OverlapPolicy) async throws {
        try await Self.withDaily("busy", overlap: policy) { owner, login in
            // A run is going: triggered by hand, with no worker to end it.
            let going = try #require(try await CampaignStore.trigger("busy", at: Date(), by: Self.by, on: login))
            let result = try await Backfill.run("busy", from: Self.weekStart, to: Self.weekEnd, dryRun: false, by: Self.by, on: login)
            #expect(result.runsCreated == 7)
            var backfilled = try await Self.runs("busy", on: owner).filter { $0.trigger == "backfill" }
            #expect(backfilled.map(\.planned) == Array(repeating: policy == .allow, count: 7))

            // The scheduler, at the moment it last handled the campaign: no fire time due, only queued runs to start.
            let handled = try await owner.query("SELECT scheduled_through FROM benefit.campaign").single(Date.self)
            let scheduler = CampaignScheduler(pool: owner, clock: ManualClock(handled), logger: TestDatabase.quietLogger)
            #expect(try await scheduler.tick().runsStarted == 0, "nothing starts while the triggered run is going")
            try await Self.end(runID: going, on: owner)
            let tick = try await scheduler.tick()
            backfilled = try await Self.runs("busy", on: owner).filter { $0.trigger == "backfill" }
            switch policy {
            case .allow:
                #expect(tick.runsStarted == 0)
            case .queue, .skip:
                #expect(tick.runsStarted == 1)
                #expect(backfilled.map(\.planned) == [true] + Array(repeating: false, count: 6))
                #expect(try await scheduler.tick().runsStarted == 0, "the next waits for the first to end")
            }
        }
    }

    @Test("with nothing going, queue and skip start the first backfilled run at once and queue the rest", arguments: [OverlapPolicy.queue, .skip])
    func firstStartsWhenNothingIsGoing(_ policy: OverlapPolicy) async throws {
        try await Self.withDaily("quiet", overlap: policy) { owner, login in
            let result = try await Backfill.run("quiet", from: Self.weekStart, to: Self.weekEnd, dryRun: false, by: Self.by, on: login)
            let started = result.fireTimes.map { fire -> Bool? in if case .created(_, let started) = fire.outcome { started } else { nil } }
            #expect(started == [true] + Array(repeating: false, count: 6))
            #expect(try await Self.runs("quiet", on: owner).map(\.planned) == [true] + Array(repeating: false, count: 6))
        }
    }

    @Test("refused, with nothing written: a paused campaign, an unknown one, a range reversed, empty or not yet over, more runs than allowed, lunar dates before the table")
    func refusals() async throws {
        try await Self.withDaily("held") { owner, login in
            try await RunFixtures.apply(CampaignText.yaml(
                name: "spring", program: "synthetic", timezone: "Asia/Shanghai", parameters: "{ members: 10 }")
                .replacingOccurrences(of: #"cron: "0 9 * * *""#, with: #"lunar: "01-01 09:00""#), on: owner)
            func refusal(_ name: String, from: Date = Self.weekStart, to: Date = Self.weekEnd, maximumRuns: Int = 1_000) async throws -> Backfill.Refusal? {
                do {
                    _ = try await Backfill.run(name, from: from, to: to, maximumRuns: maximumRuns, dryRun: false, by: Self.by, on: login)
                    return nil
                } catch let refusal as Backfill.Refusal {
                    return refusal
                }
            }
            #expect(try await refusal("held", maximumRuns: 6) == .tooManyRuns(campaign: "held", maximum: 6))
            #expect(try await refusal("nope") == .noSuchCampaign("nope"))
            #expect(try await refusal("held", from: Self.weekEnd, to: Self.weekStart).map { "\($0)" } == "--to is before --from: the range runs backwards")
            #expect(try await refusal("held", from: Self.weekEnd, to: Self.weekEnd).map { "\($0)" }?.contains("the same instant") == true)
            #expect(try await refusal("held", to: Date().addingTimeInterval(3600)).map { "\($0)" }?.contains("is in the future") == true)
            let lunar = try await refusal("spring", from: try Date("1899-01-01T00:00:00+08:00", strategy: .iso8601))
            #expect(lunar.map { "\($0)" } == "campaign spring: \(ScheduleError.lunarTableLimit)")
            #expect(try await CampaignStore.pause("held", reason: "budget review", by: Self.by, on: login) != nil)
            #expect(try await refusal("held").map { "\($0)" }
                == "campaign held is paused (budget review): resume it before backfilling; a backfill creates no runs for a paused campaign")
            #expect(try await Self.count("SELECT count(*) FROM benefit.run", on: owner) == 0)
            #expect(try await AuditTrail.events(AuditFilter(action: .campaignBackfill), on: owner).isEmpty)

            // Seven fire times, two with a run: five to create fit in five.
            #expect(try await CampaignStore.resume("held", by: Self.by, on: login) != nil)
            try await Backfill.run("held", from: Self.nineOClocks[2], to: Self.nineOClocks[4], dryRun: false, by: Self.by, on: login)
            #expect(try await Backfill.run("held", from: Self.weekStart, to: Self.weekEnd, maximumRuns: 5, dryRun: false, by: Self.by, on: login).runsCreated == 5)
        }
    }

    /// Ends a run as its last job ending would (the test has no worker).
    static func end(runID: Int, on owner: PostgresPool) async throws {
        try await owner.query("UPDATE benefit.job SET state = 'cancelled', finished_at = now() WHERE group_key = \("run:\(runID)")")
        try await owner.query("UPDATE benefit.run SET state = 'succeeded', finished_at = now() WHERE id = \(runID)")
    }
}
