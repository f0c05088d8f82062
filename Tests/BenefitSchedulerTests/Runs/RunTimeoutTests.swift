import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Campaign runs: execution.timeout")
struct RunTimeoutTests {
    @Test("a campaign's timeout goes on its batch jobs, not its planning job; batches that run past it time out, retry, die, and the run fails")
    func batchesCarryTheCampaignTimeout() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            // Each batch sleeps 30 s, far past its 1 s timeout (maxAttempts 2, backoff 1–2 s).
            try await RunFixtures.apply(CampaignText.yaml(
                name: "slow-batches", program: "synthetic", batchSize: 10, timeout: "1s",
                parameters: "{ members: 20, sleepMs: 30000 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("slow-batches", at: Date(), by: "tester@tests", on: pool))
            let summary = try await withWorker(RunFixtures.worker(pool: pool, name: "w1")) { () async throws in
                try await RunFixtures.waitForFinalState(runID, pool: pool)
            }
            #expect(summary?.state == .failed)
            #expect(summary?.batchesDead == 2)

            let jobs = try await pool.query("""
                SELECT kind, timeout_ms FROM benefit.job WHERE group_key = \("run:\(runID)") ORDER BY id
                """).decode((String, Int?).self)
            #expect(jobs.map(\.0) == [RunLauncher.planKind, RunLauncher.batchKind, RunLauncher.batchKind])
            #expect(jobs.map(\.1) == [nil, 1_000, 1_000])
            let outcomes = try await pool.query("""
                SELECT a.outcome, count(*) FROM benefit.job_attempt a JOIN benefit.job j ON j.id = a.job_id
                WHERE j.group_key = \("run:\(runID)") AND j.kind = \(RunLauncher.batchKind)
                GROUP BY a.outcome
                """).decode((String, Int).self)
            #expect(outcomes.map(\.0) == ["timed_out"] && outcomes.map(\.1) == [4], "\(outcomes)")
            #expect(try await pool.query("SELECT count(*) FROM test_effect").single(Int.self) == 0)
        }
    }
}
