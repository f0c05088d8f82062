import BenefitAudit
import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Pruning finished jobs")
struct PruneTests {
    /// Runs `succeeded` probes (each writes its effect, a row of `probe_effect`) and
    /// `dead` permanently failing ones to their end,
    /// plus one job cancelled and one due next year (available, never claimed); then
    /// dates every finished job `daysAgo` days back, as if it had finished then.
    private func finishedJobs(succeeded: Int, dead: Int, daysAgo: Int, pool: PostgresPool) async throws -> (cancelled: Int, future: Int) {
        let queue = JobQueue(pool: pool)
        var ids: [Int] = []
        for _ in 0..<succeeded { ids.append(try await queue.enqueue(NewJob(kind: "probe", queue: "prune")).id) }
        for _ in 0..<dead {
            ids.append(try await queue.enqueue(NewJob(kind: "probe", payload: #"{"failAttempts": 9, "permanent": true}"#, queue: "prune")).id)
        }
        let worker = Worker(pool: pool, registry: HandlerRegistry(DiagnosticHandlers.all),
                            configuration: .forTests(queues: ["prune"], name: "pruned"), logger: TestDatabase.quietLogger)
        try await withWorker(worker) { () async throws in
            #expect(try await eventually {
                try await pool.query("SELECT count(*) FROM benefit.job WHERE state IN ('succeeded', 'dead')").single(Int.self) == ids.count
            })
        }
        let (cancelled, _) = try await queue.enqueue(NewJob(kind: "noop", queue: "idle"))
        #expect(try await queue.cancel(jobID: cancelled, reason: "not needed", by: "tester@tests"))
        let (future, _) = try await queue.enqueue(NewJob(kind: "noop", queue: "idle", runAt: Date().addingTimeInterval(365 * 86_400)))
        try await pool.query("""
            UPDATE benefit.job SET finished_at = finished_at - \(daysAgo)::integer * interval '1 day' WHERE finished_at IS NOT NULL
            """)
        return (cancelled, future)
    }

    @Test("prune deletes finished jobs older than the cutoff with their attempts, in audited chunks, and never one that may still run")
    func pruneDeletesOnlyOldFinishedJobs() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            let (_, future) = try await finishedJobs(succeeded: 4, dead: 1, daysAgo: 100, pool: pool)
            // One finished today: younger than the cutoff, it stays.
            let queue = JobQueue(pool: pool)
            let (recent, _) = try await queue.enqueue(NewJob(kind: "noop", queue: "late"))
            #expect(try await queue.cancel(jobID: recent, reason: "not needed", by: "tester@tests"))

            let dry = try await queue.prune(olderThan: .seconds(90 * 86_400), dryRun: true, by: "tester@tests")
            #expect(dry.jobs == 6 && dry.attempts == 5)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 8)

            let pruned = try await queue.prune(olderThan: .seconds(90 * 86_400), chunk: 4, by: "tester@tests")
            #expect(pruned.jobs == 6 && pruned.attempts == 5)
            let left = try await pool.query("SELECT id, state FROM benefit.job ORDER BY id").decode((Int, String).self)
            #expect(left.map(\.0) == [future, recent])
            #expect(left.map(\.1) == ["available", "cancelled"])
            #expect(try await pool.query("SELECT count(*) FROM benefit.job_attempt").single(Int.self) == 0)
            // Effects are never pruned: each succeeded probe's row is still there.
            #expect(try await pool.query("SELECT count(*) FROM benefit.probe_effect").single(Int.self) == 4)
            let audit = try await pool.query("""
                SELECT (details->>'jobs')::int, (details->>'attempts')::int FROM benefit.audit_event WHERE action = 'job.prune' ORDER BY id
                """).decode((Int, Int).self)
            #expect(audit.map(\.0) == [4, 2])
            #expect(audit.map(\.1).reduce(0, +) == 5)

            let again = try await queue.prune(olderThan: .seconds(90 * 86_400), by: "tester@tests")
            #expect(again.jobs == 0 && again.attempts == 0)
            #expect(try await pool.query("SELECT count(*) FROM benefit.audit_event WHERE action = 'job.prune'").single(Int.self) == 2)
        }
    }

    @Test("a retention under an hour counts as an hour, so jobs that just finished stay")
    func retentionHasAFloor() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            _ = try await finishedJobs(succeeded: 3, dead: 0, daysAgo: 0, pool: pool)
            let pruned = try await JobQueue(pool: pool).prune(olderThan: .seconds(1))
            #expect(pruned.jobs == 0)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job WHERE state = 'succeeded'").single(Int.self) == 3)
        }
    }

    @Test("the leader's pruner is off without a retention, prunes once per interval, and stops starting chunks after its pass time")
    func prunerPassesAreBounded() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            _ = try await finishedJobs(succeeded: 5, dead: 0, daysAgo: 3, pool: pool)
            #expect(try await JobPruner(pool: pool, logger: TestDatabase.quietLogger).runIfDue() == nil)

            var settings = JobPruner.Configuration()
            settings.retention = .seconds(2 * 86_400)
            settings.chunk = 2
            settings.passTime = .zero
            settings.interval = .seconds(3_600)
            let pruner = JobPruner(pool: pool, configuration: settings, logger: TestDatabase.quietLogger)
            let start = ContinuousClock.now
            // One chunk per pass (its time is spent at once), one pass per interval.
            #expect(try await pruner.runIfDue(now: start)?.jobs == 2)
            #expect(try await pruner.runIfDue(now: start + .seconds(60)) == nil)
            #expect(try await pruner.runIfDue(now: start + .seconds(3_600))?.jobs == 2)
            #expect(try await pruner.runOnce().jobs == 2)
            // The cancelled job (finished 3 days back too) went last; the future one stays.
            #expect(try await pool.query("SELECT state FROM benefit.job").decode(String.self) == ["available"])
            // The scheduler's prune is not an operator's action: nothing in the audit trail.
            #expect(try await pool.query("SELECT count(*) FROM benefit.audit_event WHERE action = 'job.prune'").single(Int.self) == 0)
        }
    }
}
