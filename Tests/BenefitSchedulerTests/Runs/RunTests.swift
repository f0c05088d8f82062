import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Campaign runs")
struct RunTests {
    @Test("a run fans 10,000 members out into batches and finishes succeeded, with its counts in run_history")
    func runFansOutAndSucceeds() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await RunFixtures.apply(CampaignText.yaml(
                name: "drill-10k", program: "synthetic", batchSize: 500, parameters: "{ members: 10000 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("drill-10k", at: Date(), by: "tester@tests", on: pool))
            let summary = try await withWorker(RunFixtures.worker(pool: pool, name: "w1")) { () async throws in
                try await RunFixtures.waitForFinalState(runID, pool: pool)
            }
            #expect(summary?.state == .succeeded)
            #expect(summary?.batchesTotal == 20)
            #expect(summary?.batchesSucceeded == 20)
            #expect(summary?.batchesDead == 0)
            #expect(summary?.membersTotal == 10_000)
            #expect(summary?.membersDone == 10_000)
            #expect(summary?.trigger == "manual")
            let (effects, distinct) = try await pool.query("SELECT count(*), count(DISTINCT member_id) FROM test_effect").single((Int, Int).self)
            #expect(effects == 10_000 && distinct == 10_000)
        }
    }

    @Test("a batch that keeps failing makes the run fail with one dead job; retrying its dead jobs brings it to succeeded",
          arguments: [false, true])
    func failedRunRecoversAfterRetry(_ byRun: Bool) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await pool.query("CREATE TABLE test_broken (rank int)")
            try await pool.query("INSERT INTO test_broken VALUES (777)")
            try await RunFixtures.apply(CampaignText.yaml(
                name: "fixable", program: "fixable", batchSize: 250, parameters: "{ members: 2000 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("fixable", at: Date(), by: "tester@tests", on: pool))
            try await withWorker(RunFixtures.worker(pool: pool, name: "w1")) { () async throws in
                let failed = try await RunFixtures.waitForFinalState(runID, pool: pool)
                #expect(failed?.state == .failed)
                #expect(failed?.batchesDead == 1)
                #expect(failed?.batchesSucceeded == 7)
                #expect(failed?.membersDone == 1_750)
                let dead = try await DeadJobs.list(on: pool, runID: runID, limit: 10)
                #expect(dead.count == 1)
                #expect(dead.first?.lastError?.contains("test_broken") == true)

                try await pool.query("DELETE FROM test_broken")
                // Retried by the run (`jobs retry --run`) or by its job id (`jobs retry JOB`): the run goes on either way.
                let deadJob = try #require(dead.first?.jobID)
                let retried = byRun
                    ? try await RunControl.retryDead(runID: runID, by: "tester@tests", on: pool)
                    : try await RunControl.retryDead(jobID: deadJob, by: "tester@tests", on: pool)
                #expect(retried?.map(\.id) == [deadJob])
                #expect(try await RunHistory.find(runID, on: pool)?.state == .running)
                let recovered = try await RunFixtures.waitForFinalState(runID, pool: pool)
                #expect(recovered?.state == .succeeded)
                #expect(recovered?.membersDone == 2_000)
                #expect(recovered?.batchesDead == 0)
                #expect(recovered?.amountTotal == Decimal(25_000))
            }
        }
    }

    @Test("concurrency 2 with four workers never has more than two of the campaign's jobs running")
    func concurrencyLimitHoldsAcrossWorkers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 40)
            try await RunFixtures.apply(CampaignText.yaml(
                name: "limited", program: "synthetic", batchSize: 50, concurrency: 2, parameters: "{ members: 1000, sleepMs: 40 }"), on: pool)
            let campaignID = try await pool.query("SELECT id FROM benefit.campaign WHERE name = 'limited'").single(Int.self)
            let runID = try #require(try await CampaignStore.trigger("limited", at: Date(), by: "tester@tests", on: pool))
            let workers = (1...4).map { RunFixtures.worker(pool: pool, name: "w\($0)", concurrency: 4) }
            let busiest = Counter()
            let samples = Counter()
            try await withWorker(workers[0]) { try await withWorker(workers[1]) { try await withWorker(workers[2]) { try await withWorker(workers[3]) { () async throws in
                let done = try await eventually(timeout: .seconds(60), every: .milliseconds(3)) {
                    let running = try await pool.query("""
                        SELECT count(*) FROM benefit.job WHERE concurrency_key = \("campaign:\(campaignID)") AND state = 'running'
                        """).single(Int.self)
                    busiest.raise(to: running)
                    samples.add()
                    let run = try await RunHistory.find(runID, on: pool)
                    return run.map { $0.batchesTotal > 0 && $0.batchesSucceeded + $0.batchesDead == $0.batchesTotal } ?? false
                }
                #expect(done)
            } } } }
            #expect(busiest.current <= 2, "saw \(busiest.current) running at once")
            #expect(busiest.current == 2, "the limit should be reached")
            #expect(samples.current > 20)
            #expect(try await RunFixtures.waitForFinalState(runID, pool: pool)?.state == .succeeded)
            // The claims themselves never exceeded the limit either: overlapping attempt intervals.
            let overlap = try await pool.query("""
                SELECT max(c) FROM (
                    SELECT (SELECT count(*) FROM benefit.job_attempt b JOIN benefit.job bj ON bj.id = b.job_id
                            WHERE bj.concurrency_key = \("campaign:\(campaignID)")
                              AND b.started_at <= a.started_at AND coalesce(b.finished_at, 'infinity') > a.started_at) AS c
                    FROM benefit.job_attempt a JOIN benefit.job j ON j.id = a.job_id
                    WHERE j.concurrency_key = \("campaign:\(campaignID)")) s
                """).single(Int.self)
            #expect(overlap <= 2)
        }
    }

    @Test("a run whose planning job dies ends failed; retried, it plans and succeeds")
    func deadPlanningFailsTheRun() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            try await RunFixtures.apply(CampaignText.yaml(name: "unplanned", program: "fixable", parameters: "{ members: 20 }"), on: pool)
            try await pool.query("CREATE TABLE test_broken (rank int)")
            let runID = try #require(try await CampaignStore.trigger("unplanned", at: Date(), by: "tester@tests", on: pool))
            // This worker does not have the campaign's program: the planning job dies at once.
            let lacking = RunFixtures.worker(pool: pool, name: "w1", catalog: ProgramCatalog([SyntheticProgram()]))
            let failed = try await withWorker(lacking) { try await RunFixtures.waitForFinalState(runID, pool: pool) }
            #expect(failed?.state == .failed)
            #expect(failed?.batchesTotal == 0)
            #expect(try await RunControl.retryDead(runID: runID, by: "tester@tests", on: pool)?.count == 1)
            #expect(try await RunHistory.find(runID, on: pool)?.state == .pending)
            let recovered = try await withWorker(RunFixtures.worker(pool: pool, name: "w2")) {
                try await RunFixtures.waitForFinalState(runID, pool: pool)
            }
            #expect(recovered?.state == .succeeded)
            #expect(recovered?.membersDone == 20)
        }
    }

    @Test("an operator's retry that meets a finisher pass about to fail the run leaves it running", arguments: [false, true])
    func retryRacingTheFinisherReopens(_ byRun: Bool) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            try await pool.query("CREATE TABLE test_broken (rank int)")
            try await pool.query("INSERT INTO test_broken VALUES (15)")
            try await RunFixtures.apply(CampaignText.yaml(
                name: "fixable", program: "fixable", batchSize: 10, parameters: "{ members: 20 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("fixable", at: Date(), by: "tester@tests", on: pool))
            // No finisher runs beside this worker: the run stays running with its dead batch.
            try await withWorker(RunFixtures.worker(pool: pool, name: "w1")) { () async throws in
                #expect(try await eventually { try await DeadJobs.list(on: pool, runID: runID, limit: 1).count == 1 })
            }
            let deadJob = try #require(try await DeadJobs.list(on: pool, runID: runID, limit: 1).first?.jobID)
            try await pool.query("DELETE FROM test_broken")

            // A finisher pass has locked the run and read its dead job, and is about to write `failed`.
            let finisher = try await PostgresConnection.connect(to: configuration)
            try await finisher.query("BEGIN")
            try await finisher.query("SELECT id FROM benefit.run WHERE id = \(runID) FOR UPDATE")
            let retry = Task {
                byRun ? try await RunControl.retryDead(runID: runID, by: "tester@tests", on: pool)?.map(\.id)
                      : try await RunControl.retryDead(jobID: deadJob, by: "tester@tests", on: pool).map(\.id)
            }
            // The retry waits for the pass's lock ...
            #expect(try await eventually {
                try await pool.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                    .single(Int.self) == 1
            })
            // ... which then commits what it read.
            try await finisher.query("UPDATE benefit.run SET state = 'failed', finished_at = now() WHERE id = \(runID)")
            try await finisher.query("COMMIT")
            #expect(try await retry.value == [deadJob])
            #expect(try await RunHistory.find(runID, on: pool)?.state == .running)
            let recovered = try await withWorker(RunFixtures.worker(pool: pool, name: "w2")) {
                try await RunFixtures.waitForFinalState(runID, pool: pool)
            }
            #expect(recovered?.state == .succeeded)
        }
    }
}

@Suite("Cancelling runs")
struct RunCancelTests {
    @Test("cancel stops new batches from starting and marks the run cancelled when the running ones end")
    func cancelStopsNewBatches() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            // 80 batches of 300 ms, two at a time: most are still waiting at the cancel.
            let (batches, concurrency) = (80, 2)
            try await RunFixtures.apply(CampaignText.yaml(
                name: "slow", program: "synthetic", batchSize: 10, concurrency: concurrency,
                parameters: "{ members: \(batches * 10), sleepMs: 300 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("slow", at: Date(), by: "tester@tests", on: pool))
            try await withWorker(RunFixtures.worker(pool: pool, name: "w1")) { () async throws in
                #expect(try await eventually { try await RunHistory.find(runID, on: pool)?.batchesSucceeded ?? 0 >= 2 })
                let cancelled = try #require(try await RunControl.cancel(runID: runID, reason: "wrong cycle", by: "tester@tests", on: pool, logger: TestDatabase.quietLogger))
                #expect(cancelled.requested)
                #expect(cancelled.stateBefore == .running)
                // The margin is for a loaded machine, where more than ten finished
                // between the second one and the cancel.
                #expect(cancelled.stoppedJobs > batches - 30)
                let final = try await RunFixtures.waitForFinalState(runID, pool: pool)
                #expect(final?.state == .cancelled)
                // Only the batches that had started finished: the rest never ran.
                // Every batch was either stopped on the queue, or done or running at
                // the cancel (a running one may meet the cancel in its commit).
                let succeeded = final?.batchesSucceeded ?? 0
                #expect(succeeded < 30)
                #expect((batches - concurrency)...batches ~= succeeded + cancelled.stoppedJobs, "\(succeeded) done, \(cancelled.stoppedJobs) stopped")
                let effects = try await pool.query("SELECT count(*) FROM test_effect").single(Int.self)
                #expect(effects == (final?.batchesSucceeded ?? -1) * 10)
                let again = try #require(try await RunControl.cancel(runID: runID, reason: "wrong cycle", by: "tester@tests", on: pool, logger: TestDatabase.quietLogger))
                #expect(!again.requested && again.stateBefore == .cancelled)
                #expect(try await RunControl.cancel(runID: runID + 1000, reason: "wrong cycle", by: "tester@tests", on: pool, logger: TestDatabase.quietLogger) == nil)
            }
        }
    }

    @Test("a planning job and batches that meet their run's cancel in their commit end cancelled, never dead, writing nothing",
          arguments: [false, true])
    func jobsThatSeeTheCancelEndCancelled(_ afterPlanning: Bool) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await RunFixtures.apply(CampaignText.yaml(
                name: "late", program: "synthetic", batchSize: 10, parameters: "{ members: 50, sleepMs: 300 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("late", at: Date(), by: "tester@tests", on: pool))
            if afterPlanning {
                // Planned, with its five slow batches on the queue; the worker stops after at most one or two.
                try await withWorker(RunFixtures.worker(pool: pool, name: "planner", concurrency: 1)) { () async throws in
                    #expect(try await eventually { try await RunHistory.find(runID, on: pool)?.batchesTotal == 5 })
                }
            }
            let done = try #require(try await RunHistory.find(runID, on: pool)).batchesSucceeded
            #expect(done < 5)
            // The cancel as a job already claimed sees it: asked of the run, its jobs left on the queue.
            try await pool.query("UPDATE benefit.run SET cancel_requested = true WHERE id = \(runID)")
            try await withWorker(RunFixtures.worker(pool: pool, name: "w1")) { () async throws in
                #expect(try await eventually {
                    try await pool.query("SELECT count(*) FROM benefit.job WHERE state IN ('available', 'running')").single(Int.self) == 0
                })
            }
            let kind = afterPlanning ? "campaign.batch" : "campaign.plan"
            let states = try await pool.query("""
                SELECT j.state, a.outcome, count(*) FROM benefit.job j JOIN benefit.job_attempt a ON a.job_id = j.id
                WHERE j.kind = \(kind) AND a.worker = 'w1' GROUP BY 1, 2
                """).decode((String, String, Int).self)
            #expect(states.map { "\($0.0)/\($0.1)" } == ["cancelled/cancelled"])
            #expect(states.first?.2 == (afterPlanning ? 5 - done : 1))
            #expect(try await DeadJobs.list(on: pool, runID: runID, limit: 10).isEmpty)
            #expect(try await pool.query("SELECT count(*) FROM test_effect").single(Int.self) == done * 10)
            #expect(try await RunFixtures.waitForFinalState(runID, pool: pool)?.state == .cancelled)
        }
    }
}
