import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Retention keeps runs' history")
struct RetentionTests {
    /// Every row of `benefit.run_history`, every column, as JSON text, in run order.
    private func runHistory(on pool: PostgresPool) async throws -> [String] {
        try await pool.query("SELECT row_to_json(h)::text FROM benefit.run_history h ORDER BY run_id").decode(String.self)
    }

    /// What each documented query of docs/sql.md that does not read the queue's
    /// views (jobs, job_attempts, dead_jobs) or the audit trail (a prune adds to it)
    /// answers, as benefit_admin.
    private func documentedAnswers(on configuration: PostgresConfiguration) async throws -> [[String]] {
        let queries = try DocumentedSQL.queries().filter { query in
            !["benefit.jobs", "benefit.job_attempts", "benefit.dead_jobs", "benefit.processes", "benefit.audit"].contains { query.contains($0) }
        }
        #expect(queries.contains { $0.contains("benefit.run_history") })
        let connection = try await PostgresConnection.connect(to: configuration)
        var answers: [[String]] = []
        for query in queries {
            let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
            let body = trimmed.hasSuffix(";") ? String(trimmed.dropLast()) : trimmed
            answers.append(try await connection.acting(as: .admin) { tx in
                try await tx.query(PostgresQuery(unsafeSQL: "SELECT row_to_json(q)::text FROM (\(body)) q")).decode(String.self)
            })
        }
        return answers
    }

    @Test("run_history and the documented run queries answer the same, row by row, before and after a run's finished jobs are pruned")
    func runHistoryIdenticalAfterPrune() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await pool.query("CREATE TABLE test_broken (rank int)")
            try await pool.query("INSERT INTO test_broken VALUES (77), (377)")
            try await RunFixtures.apply(CampaignText.yaml(
                name: "fixable", program: "fixable", batchSize: 50, parameters: "{ members: 400 }"), on: pool)
            try await RunFixtures.apply(CampaignText.yaml(
                name: "plain", program: "fixable", batchSize: 100, parameters: "{ members: 300 }"), on: pool)
            let failedRun = try #require(try await CampaignStore.trigger("fixable", at: Date(), by: "tester@tests", on: pool))
            try await withWorker(RunFixtures.worker(pool: pool, name: "w1")) { () async throws in
                let failed = try await RunFixtures.waitForFinalState(failedRun, pool: pool)
                #expect(failed?.state == .failed)
                #expect(failed?.batchesDead == 2 && failed?.batchesSucceeded == 6)
                // The second run's ranks 1-300 include 77: one dead batch, which an
                // operator fixes and retries, so the run succeeds; died_at is cleared.
                try await pool.query("DELETE FROM test_broken WHERE rank = 377")
                let retried = try #require(try await CampaignStore.trigger("plain", at: Date(), by: "tester@tests", on: pool))
                #expect(try await RunFixtures.waitForFinalState(retried, pool: pool)?.batchesDead == 1)
                try await pool.query("DELETE FROM test_broken")
                _ = try await RunControl.retryDead(runID: retried, by: "tester@tests", on: pool)
                let recovered = try await RunFixtures.waitForFinalState(retried, pool: pool)
                #expect(recovered?.state == .succeeded)
                #expect(recovered?.batchesDead == 0 && recovered?.batchesSucceeded == 3)
            }
            let effects = try await pool.query("SELECT count(*) FROM test_effect").single(Int.self)
            #expect(effects == 6 * 50 + 300)
            let history = try await runHistory(on: pool)
            #expect(history.count == 2)
            let answers = try await documentedAnswers(on: configuration)

            // As if the runs had finished 100 days ago; a 90-day retention prunes every job.
            try await pool.query("UPDATE benefit.job SET finished_at = finished_at - interval '100 days'")
            let jobs = try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self)
            let attempts = try await pool.query("SELECT count(*) FROM benefit.job_attempt").single(Int.self)
            let pruned = try await JobQueue(pool: pool).prune(olderThan: .seconds(90 * 86_400), chunk: 5, by: "tester@tests")
            #expect(pruned.jobs == jobs && jobs == 2 + 8 + 3)
            #expect(pruned.attempts == attempts)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 0)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job_attempt").single(Int.self) == 0)

            #expect(try await runHistory(on: pool) == history)
            #expect(try await documentedAnswers(on: configuration) == answers)
            #expect(try await pool.query("SELECT count(*) FROM test_effect").single(Int.self) == effects)
        }
    }

    @Test("a batch that dies under a benefit_worker login has its death written on the run's record, which no login may write by hand")
    func deathIsRecordedUnderTheWorkerLogin() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            try await pool.query("CREATE TABLE test_broken (rank int)")
            try await pool.query("INSERT INTO test_broken VALUES (5)")
            try await RunFixtures.apply(CampaignText.yaml(
                name: "fixable", program: "fixable", batchSize: 10, parameters: "{ members: 20 }"), on: pool)
            try await TestDatabase.withLogins([.worker], on: configuration) { logins in
                let workerPool = PostgresPool(configuration: logins[.worker]!, maxConnections: 8)
                try await pool.query("GRANT SELECT ON test_broken TO benefit_worker")
                try await pool.query("GRANT INSERT ON test_effect TO benefit_worker")
                let runID = try #require(try await CampaignStore.trigger("fixable", at: Date(), by: "tester@tests", on: pool))
                let summary = try await withWorker(RunFixtures.worker(pool: workerPool, name: "w1")) { () async throws in
                    try await RunFixtures.waitForFinalState(runID, pool: pool)
                }
                #expect(summary?.state == .failed)
                #expect(summary?.batchesDead == 1 && summary?.batchesSucceeded == 1)
                // Rank 5 is S-5, in batch 2 of the member order: S-1, S-10 … S-18 | S-19, S-2, S-20, S-3 … S-9.
                let died = try await pool.query("SELECT batch FROM benefit.run_batch WHERE died_at IS NOT NULL").decode(Int.self)
                #expect(died == [2])
                await #expect(throws: PostgresError.self) {
                    try await workerPool.query("UPDATE benefit.run_batch SET died_at = NULL")
                }
            }
        }
    }
}
