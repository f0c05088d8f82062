import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Exactly-once grants with real `benefit worker` processes killed with kill -9.
@Suite("Seasonal relief: crashes")
struct ReliefCrashTests {
    /// Tiers 1 and 2 fit whole, tier 3 in part (2,750 of 6,000); 700 yuan are then
    /// left, so one member without a tier (500) still fits after a tier-3 member did not.
    static let parameters = """
        { season: winter-warmth, eligibility: { hardshipTier: [1, 2, 3], frontline: true },
          amounts: { "1": 2000, "2": 1200, "3": 800 }, amount: 500, budget: 11000700 }
        """

    /// A fresh database's roster, campaign and triggered run: 20,000 members, of whom
    /// 14,667 are eligible, in batches of 100 under a 2 s lease.
    static func triggerRun(on pool: PostgresPool) async throws -> Int {
        try await ReliefFixtures.insertMixedMembers(20_000, on: pool)
        try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(
            name: "winter", batchSize: 100, lease: "2s", maxAttempts: 20, parameters: parameters), on: pool)
        return try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026), on: pool)
    }

    @Test("workers killed with kill -9 at random moments and restarted: the grants and the waitlist are those of a run without crashes")
    func killedWorkersChangeNoGrant() async throws {
        // The reference: the same run without crashes, in another database.
        let (referenceGrants, referenceWaitlist) = try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            let runID = try await Self.triggerRun(on: pool)
            let summary = try await ReliefFixtures.withWorkers(4, pool: pool) { try await ProgramFixtures.finish(runID, pool: pool) }
            #expect(summary.state == .succeeded)
            return (try await ReliefFixtures.grants(on: pool), try await ReliefFixtures.waitlist(on: pool))
        }
        let expectedGrants = 8_751  // 2,000 + 4,000 + 2,750 + 1
        #expect(referenceGrants.count == expectedGrants)
        #expect(referenceGrants.reduce(Decimal(0)) { $0 + $1.amount } == 11_000_500)
        #expect(referenceGrants.count + referenceWaitlist.count == 14_667)

        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            let runID = try await Self.triggerRun(on: pool)
            let (summary, kills) = try await ProgramFixtures.finishKillingWorkers(
                runID, queue: ReliefFixtures.queue, workers: 2, thresholds: [0, 20, 50, 80, 110], stall: "LOCK TABLE benefit.grant IN EXCLUSIVE MODE", configuration: configuration, pool: pool)
            #expect(summary.state == .succeeded, "kills: \(kills)")
            let grants = try await ReliefFixtures.grants(on: pool)
            #expect(grants == referenceGrants, "kills: \(kills)")
            #expect(try await ReliefFixtures.waitlist(on: pool) == referenceWaitlist, "kills: \(kills)")
            #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == 11_000_500)
            // The kills did interrupt work: some attempts lost their lease and were taken over.
            let expired = try await pool.query(
                "SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(runID) AND outcome = 'lease_expired'").single(Int.self)
            #expect(expired >= 1, "kills: \(kills)")
        }
    }
}
