import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The budget: never exceeded, under any concurrency, and spent as far as it goes.
@Suite("Seasonal relief: budget")
struct ReliefBudgetTests {
    static let oneAmount = #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 5600500 }"#
    static let budget = Decimal.yuan("5600500")
    static let spentForSevenThousand = Decimal(7_000 * 800)
    static let reason = "budget exhausted (remaining 500.00, needed 800.00)"

    @Test("8 workers, 20,000 eligible members, a budget for 7,000 of them: 7,000 × 800 granted, once each, the rest waitlisted")
    func eightWorkersSpendExactlyWhatFits() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 40)
            try await ReliefFixtures.insertUniformMembers(20_000, tier: 3, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", parameters: Self.oneAmount), on: pool)
            let runID = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026), on: pool)
            let summary = try await ReliefFixtures.withWorkers(8, pool: pool) { try await ProgramFixtures.finish(runID, pool: pool) }

            #expect(summary.state == .succeeded)
            #expect(summary.batchesTotal == 80 && summary.batchesSucceeded == 80)
            #expect(summary.membersTotal == 20_000 && summary.membersDone == 20_000)
            #expect(summary.amountTotal == Self.spentForSevenThousand)

            let (grants, members, total) = try await pool.query(
                "SELECT count(*), count(DISTINCT member_id), sum(amount) FROM benefit.grant").single((Int, Int, Decimal).self)
            #expect(grants == 7_000 && members == 7_000)
            #expect(total == Self.spentForSevenThousand)
            let ledger = try #require(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool))
            #expect(ledger.budget == Self.budget)
            #expect(ledger.spent == Self.spentForSevenThousand)
            // The deterministic rule: greedy in rank order grants the first 7,000 members by member_id.
            #expect(try await pool.query("SELECT count(*) FROM benefit.grant WHERE member_id <= 'M007000'").single(Int.self) == 7_000)

            let waitlist = try await ReliefFixtures.waitlist(on: pool)
            #expect(waitlist.count == 13_000)
            #expect(Set(waitlist.map(\.reason)) == [Self.reason])
            #expect(waitlist.first?.member == "M007001" && waitlist.first?.rank == 7_001)
            #expect(waitlist.last?.member == "M020000" && waitlist.last?.rank == 20_000)
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.grant g JOIN benefit.waitlist_entry w USING (campaign_id, cycle, member_id)
                """).single(Int.self) == 0)
            // The batches really ran side by side.
            #expect(try await pool.query(
                "SELECT count(DISTINCT worker) FROM benefit.job_attempts WHERE run_id = \(runID)").single(Int.self) >= 2)
        }
    }

    @Test("two runs of one cycle whose plans together overspend: the ledger grants exactly what fits, never more")
    func overlappingRunsShareTheBudget() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 40)
            try await ReliefFixtures.insertUniformMembers(20_000, tier: 3, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", parameters: Self.oneAmount), on: pool)
            // Run A plans with the whole budget: 7,000 of M000001…M020000.
            let first = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026, day: 1), on: pool)
            try await withWorker(ReliefFixtures.worker(pool: pool, name: "planner", concurrency: 1)) { () async throws in
                #expect(try await eventually { try await RunHistory.find(first, on: pool)?.state == .running })
            }
            // 10,000 newcomers, A000001…: the same tier, and before every M member by member_id.
            try await pool.query("""
                INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, hardship_tier)
                SELECT 'A' || lpad(g::text, 6, '0'), 'Newcomer ' || g, 'Unit 1', 'F', date '1980-01-01', 'staff', 3
                FROM generate_series(1, 10000) AS g
                """)
            // Run B plans with what is left, and its plan grants newcomers A's plan does not know about.
            // A new revision with a lower priority number puts B's planning and batches ahead of A's batches.
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", priority: -1, parameters: Self.oneAmount), on: pool)
            let second = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026, day: 2), on: pool)
            let summaries = try await ReliefFixtures.withWorkers(8, pool: pool) {
                (try await ProgramFixtures.finish(first, pool: pool), try await ProgramFixtures.finish(second, pool: pool))
            }
            #expect(summaries.0.state == .succeeded)
            #expect(summaries.1.state == .succeeded)
            let planned = try await pool.query("SELECT sum(grants) FROM benefit.relief_allotment").single(Int.self)
            #expect(planned > 7_000, "the two plans together must promise more than the budget holds, got \(planned)")

            let (grants, total) = try await pool.query("SELECT count(*), sum(amount) FROM benefit.grant").single((Int, Decimal).self)
            #expect(grants == 7_000)
            #expect(total == Self.spentForSevenThousand)
            #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == Self.spentForSevenThousand)
            #expect(summaries.0.amountTotal + summaries.1.amountTotal == Self.spentForSevenThousand)
            // Every member of either population was reached exactly once: granted or waitlisted.
            let (waitlisted, both) = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.waitlist_entry),
                       (SELECT count(*) FROM benefit.grant g JOIN benefit.waitlist_entry w USING (campaign_id, cycle, member_id))
                """).single((Int, Int).self)
            #expect(waitlisted == 23_000)
            #expect(both == 0)
        }
    }

    @Test("a plan overtaken by spending elsewhere: the batch grants greedily what still fits, and waitlists the rest with what was left")
    func overtakenPlanGrantsWhatStillFits() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            try await ReliefFixtures.insertUniformMembers(5, tier: 1, on: pool)
            try await ReliefFixtures.insertUniformMembers(5, tier: 3, from: 6, on: pool)
            try await ReliefFixtures.insertUniformMembers(1, tier: 2, from: 11, on: pool)
            // The run plans with 20,000 (every member planned, 14,000) but its batch waits for the held ledger.
            // 20,000 covers the plan, so the batch grants first and waits in its grants' charge to the ledger;
            // when that charge is refused, it does its work again under the lock.
            let (runID, campaignID, other) = try await Self.runWithHeldLedger(budget: 20_000, pool: pool, configuration: configuration)
            let grants = try await ReliefFixtures.withWorkers(1, pool: pool) { () async throws in
                #expect(try await Self.batchWaitsForTheLedger(in: pool))
                // Meanwhile 15,000 go elsewhere: 5,000 are left for a plan that promised 14,000.
                try await other.query(Self.grantByHand(campaignID: campaignID, runID: runID, member: "M000011", tier: 2, amount: 15_000))
                try await other.query("COMMIT")
                #expect(try await ProgramFixtures.finish(runID, pool: pool).amountTotal == 4_800)
                return try await ReliefFixtures.grants(on: pool)
            }
            // Rank order: M1-M5 (2,000 each), then M6-M10 (800 each). 5,000 pays M1 and M2 (1,000 left),
            // not M3-M5, then M6 (200 left), not M7-M10.
            #expect(grants.map(\.member) == ["M000001", "M000002", "M000006", "M000011"])
            #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == 19_800)
            let waitlist = try await ReliefFixtures.waitlist(on: pool)
            #expect(waitlist.map(\.member) == ["M000003", "M000004", "M000005", "M000007", "M000008", "M000009", "M000010"])
            #expect(waitlist.map(\.reason) == Array(repeating: "budget exhausted (remaining 1000.00, needed 2000.00)", count: 3)
                + Array(repeating: "budget exhausted (remaining 200.00, needed 800.00)", count: 4))
        }
    }

    @Test("a batch that granted before the ledger's lock, overtaken by another run's grant of a member it waitlisted, does its work again under the lock")
    func batchOvertakenByAnotherRunRedoesItsWork() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            try await ReliefFixtures.insertUniformMembers(5, tier: 1, on: pool)
            try await ReliefFixtures.insertUniformMembers(1, tier: 3, from: 6, on: pool)
            // 10,500 plans M1-M5 (2,000 each) and waitlists M6 (800 needed, 500 left).
            let (runID, campaignID, other) = try await Self.runWithHeldLedger(budget: 10_500, pool: pool, configuration: configuration)
            try await ReliefFixtures.withWorkers(1, pool: pool) { () async throws in
                // The batch has granted M1-M5 and waitlisted M6, and waits to charge the ledger.
                #expect(try await Self.batchWaitsForTheLedger(in: pool))
                // Meanwhile another run of the cycle grants M6 the 500 left, and commits first.
                let otherRun = try await other.query("""
                    INSERT INTO benefit.run (campaign_id, campaign_revision, fire_time, trigger, cycle, state, finished_at)
                    SELECT campaign_id, revision, '2026-01-02 00:00+08', 'manual', '2026', 'succeeded', now()
                    FROM benefit.campaign_revision WHERE campaign_id = \(campaignID) ORDER BY revision DESC LIMIT 1
                    RETURNING id
                    """).single(Int.self)
                try await other.query(Self.grantByHand(campaignID: campaignID, runID: otherRun, member: "M000006", tier: 3, amount: 500))
                try await other.query("COMMIT")
                #expect(try await ProgramFixtures.finish(runID, pool: pool).amountTotal == 10_000)
            }
            // As if the other run had gone first: M6 is granted once, by it, and waitlisted by nobody.
            let grants = try await ReliefFixtures.grants(on: pool)
            #expect(grants.map(\.member) == ["M000001", "M000002", "M000003", "M000004", "M000005", "M000006"])
            #expect(try await ReliefFixtures.waitlist(on: pool) == [])
            #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == 10_500)
        }
    }

    /// A winter-warmth grant written by hand (job 0), as another writer of the cycle would.
    static func grantByHand(campaignID: Int, runID: Int, member: String, tier: Int, amount: Int, cycle: String = "2026") -> PostgresQuery {
        """
        INSERT INTO benefit.grant (campaign_id, cycle, member_id, run_id, job_id, season, tier, amount)
        VALUES (\(campaignID), \(cycle), \(member), \(runID), 0, 'winter-warmth', \(tier), \(amount))
        """
    }

    /// A one-batch winter campaign paying tier 1 2,000 and tier 3 800, triggered,
    /// with its cycle's ledger opened by hand with `budget` and held `FOR UPDATE`
    /// by `other`, an open transaction: the run plans, and its batch waits.
    static func runWithHeldLedger(
        budget: Int, pool: PostgresPool, configuration: PostgresConfiguration
    ) async throws -> (runID: Int, campaignID: Int, other: PostgresConnection) {
        try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", batchSize: 10, parameters: """
            { season: winter-warmth, eligibility: { hardshipTier: [1, 3] }, amounts: { "1": 2000, "3": 800 }, budget: \(budget) }
            """), on: pool)
        let runID = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026), on: pool)
        let campaignID = try await pool.query("SELECT id FROM benefit.campaign WHERE name = 'winter'").single(Int.self)
        try await pool.query("INSERT INTO benefit.relief_budget (campaign_id, cycle, budget) VALUES (\(campaignID), '2026', \(budget))")
        let other = try await PostgresConnection.connect(to: configuration)
        try await other.query("BEGIN")
        try await other.query("SELECT 1 FROM benefit.relief_budget FOR UPDATE")
        return (runID, campaignID, other)
    }

    /// True once the run's batch waits for the ledger's row in its grant
    /// statement (``GrantQueries/grantBatch``), having not taken the lock first
    /// (as it does when the ledger may not cover its grants).
    static func batchWaitsForTheLedger(in pool: PostgresPool) async throws -> Bool {
        try await eventually {
            try await pool.query("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH RECURSIVE batch AS%'
                """).single(Int.self) == 1
        }
    }

    @Test("the ledger refuses an overspending grant from any writer: a concurrent transaction, one statement, no ledger")
    func ledgerRefusesOverspendFromAnyWriter() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 6)
            try await ReliefFixtures.insertUniformMembers(4, tier: 1, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", parameters: Self.oneAmount), on: pool)
            let runID = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026), on: pool)
            let campaignID = try await pool.query("SELECT id FROM benefit.campaign WHERE name = 'winter'").single(Int.self)
            try await pool.query("INSERT INTO benefit.relief_budget (campaign_id, cycle, budget) VALUES (\(campaignID), '2026', 1000)")
            @Sendable func grant(_ member: String, _ amount: Int, cycle: String = "2026") -> PostgresQuery {
                Self.grantByHand(campaignID: campaignID, runID: runID, member: member, tier: 1, amount: amount, cycle: cycle)
            }

            // Two transactions whose grants each fit but not together: the second waits for the
            // ledger row, then sees the first's spending and is refused.
            let first = try await PostgresConnection.connect(to: configuration)
            let second = try await PostgresConnection.connect(to: configuration)
            try await first.query("BEGIN")
            try await first.query(grant("M000001", 600))
            @Sendable func grantOnSecond() async -> PostgresError? {
                do {
                    try await second.transaction { try await $0.query(grant("M000002", 600)) }
                    return nil
                } catch {
                    return error as? PostgresError
                }
            }
            async let refused = grantOnSecond()
            #expect(try await eventually {
                try await pool.query("""
                    SELECT count(*) FROM pg_stat_activity WHERE pid = \(Int(second.backendPID)) AND wait_event_type = 'Lock'
                    """).single(Int.self) == 1
            })
            try await first.query("COMMIT")
            #expect(await refused?.sqlState == "23514")

            // One statement over the budget is refused whole.
            let overspend = await #expect(throws: PostgresError.self) {
                try await pool.query("""
                    INSERT INTO benefit.grant (campaign_id, cycle, member_id, run_id, job_id, season, amount)
                    SELECT \(campaignID), '2026', m, \(runID), 0, 'winter-warmth', 300 FROM unnest(ARRAY['M000003', 'M000004']) AS m
                    """)
            }
            #expect(overspend?.sqlState == "23514")
            // A grant in a cycle without a ledger is refused by the foreign key.
            let unbudgeted = await #expect(throws: PostgresError.self) { try await pool.query(grant("M000003", 1, cycle: "2027")) }
            #expect(unbudgeted?.sqlState == "23503")
            #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == 600)

            // A grant is never changed; deleting one gives its money back.
            let changed = await #expect(throws: PostgresError.self) { try await pool.query("UPDATE benefit.grant SET amount = 1") }
            #expect(changed?.sqlState == "23001")
            try await pool.query(grant("M000003", 400))
            #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == 1000)
            try await pool.query("DELETE FROM benefit.grant WHERE member_id = 'M000001'")
            #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == 400)
        }
    }
}
