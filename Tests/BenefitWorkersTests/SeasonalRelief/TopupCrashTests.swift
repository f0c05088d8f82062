import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// A top-up paid out with real `benefit worker` processes killed with kill -9:
/// the cycle's second run grants exactly the waitlisted members the new money
/// covers, in rank order, each once (migrations/0023_budget_topup.sql).
@Suite("Seasonal relief: top-up under crashes")
struct TopupCrashTests {
    static let amounts: [Int?: Decimal] = [1: 2000, 2: 1200, 3: 800, nil: 500]
    static let parameters = """
        { season: winter-warmth, eligibility: { hardshipTier: [1, 2, 3], frontline: true },
          amounts: { "1": 2000, "2": 1200, "3": 800 }, amount: 500, budget: 2000000 }
        """

    @Test("after a top-up, the next run with workers killed at random grants the first waitlisted by rank the money covers, none twice, within the budget")
    func topUpPaysTheWaitlistOnceUnderKills() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            try await ReliefFixtures.insertMixedMembers(6_000, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(
                name: "winter", batchSize: 40, lease: "2s", maxAttempts: 20, parameters: Self.parameters), on: pool)
            let first = try await ProgramFixtures.runToEnd("winter", queue: ReliefFixtures.queue, workers: 2, pool: pool)
            #expect(first.state == .succeeded)
            let waiting = try await pool.query("""
                SELECT w.member_id, m.hardship_tier FROM benefit.waitlist w JOIN benefit.member m USING (member_id)
                WHERE w.run_id = \(first.runID) ORDER BY w.rank
                """).decode((String, Int?).self)
            let ledger = try #require(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool))
            #expect(waiting.count > 1_000)

            let extra: Decimal = 1_500_000
            _ = try await BudgetTopUp.run(campaign: "winter", cycle: "2026", amount: extra, reason: "追加拨款", by: "test@host", on: pool)
            // What the second run must grant: the waitlist in rank order, each who still fits.
            var free = ledger.budget + extra - ledger.spent
            var expected: [String] = []
            for (member, tier) in waiting {
                let amount = Self.amounts[tier] ?? 0
                if amount <= free {
                    expected.append(member)
                    free -= amount
                }
            }
            #expect(expected.count > 500 && expected.count < waiting.count)

            let second = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026, day: 2), on: pool)
            let (summary, kills) = try await ProgramFixtures.finishKillingWorkers(
                second, queue: ReliefFixtures.queue, workers: 2, thresholds: [0, 10, 25, 40],
                stall: "LOCK TABLE benefit.grant IN EXCLUSIVE MODE", configuration: configuration, pool: pool)
            #expect(summary.state == .succeeded, "kills: \(kills)")
            let granted = try await pool.query("""
                SELECT member_id FROM benefit.grant WHERE run_id = \(second) ORDER BY member_id COLLATE "C"
                """).decode(String.self)
            #expect(granted == expected.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "kills: \(kills)")
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.waitlist WHERE run_id = \(first.runID) AND served_run_id = \(second)
                """).single(Int.self) == expected.count)
            // Nobody twice; the ledger is the grants' sum and within the budget.
            let (grants, members, total) = try await pool.query("SELECT count(*), count(DISTINCT member_id), sum(amount) FROM benefit.grant")
                .single((Int, Int, Decimal).self)
            #expect(grants == members)
            let after = try #require(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool))
            #expect(after.budget == 3_500_000 && after.spent == total && total <= after.budget)
            let expired = try await pool.query(
                "SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(second) AND outcome = 'lease_expired'").single(Int.self)
            #expect(expired >= 1, "kills: \(kills)")
        }
    }
}
