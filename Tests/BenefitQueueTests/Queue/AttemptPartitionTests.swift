import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The attempts' monthly partitions (migrations/0019_attempt_partitions.sql):
/// retention drops old months whole, and workers make the months ahead.
@Suite("Attempt partitions")
struct AttemptPartitionTests {
    /// Runs `count` probes to success on a real worker, in queue `queue`.
    private func runProbes(_ count: Int, queue name: String, pool: PostgresPool) async throws {
        let queue = JobQueue(pool: pool)
        for _ in 0..<count { _ = try await queue.enqueue(NewJob(kind: "probe", queue: name)) }
        let worker = Worker(pool: pool, registry: HandlerRegistry(DiagnosticHandlers.all),
                            configuration: .forTests(queues: [name], name: "partitions"), logger: TestDatabase.quietLogger)
        try await withWorker(worker) { () async throws in
            #expect(try await eventually {
                try await pool.query("SELECT count(*) FROM benefit.job WHERE queue = \(name) AND state = 'succeeded'").single(Int.self) == count
            })
        }
    }

    /// The owner's rewrite of history: `queue`'s jobs finished, and their attempts
    /// started and ended, `days` days ago (an UPDATE of started_at moves each
    /// attempt into that month's partition).
    private func age(queue name: String, days: Int, pool: PostgresPool) async throws {
        try await pool.query("""
            UPDATE benefit.job_attempt a SET started_at = a.started_at - \(days)::integer * interval '1 day',
                   finished_at = a.finished_at - \(days)::integer * interval '1 day'
            FROM benefit.job j WHERE j.id = a.job_id AND j.queue = \(name)
            """)
        try await pool.query("""
            UPDATE benefit.job SET finished_at = finished_at - \(days)::integer * interval '1 day' WHERE queue = \(name)
            """)
    }

    private func partition(daysAgo days: Int, pool: PostgresPool) async throws -> String {
        try await pool.query("""
            SELECT 'job_attempt_' || to_char((now() AT TIME ZONE 'UTC') - \(days)::integer * interval '1 day', '"y"YYYY"m"MM')
            """).single(String.self)
    }

    private func exists(_ partition: String, pool: PostgresPool) async throws -> Bool {
        try await pool.query("SELECT to_regclass('benefit.' || \(partition)) IS NOT NULL").single(Bool.self)
    }

    @Test("retention drops a month of attempts whole, keeps a month holding a running job's attempt, and claims go on")
    func retentionDropsOldMonths() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            let old = try await partition(daysAgo: 150, pool: pool)
            let older = try await partition(daysAgo: 120, pool: pool)
            #expect(old != older)
            for days in [150, 120] {
                #expect(try await pool.query("""
                    SELECT benefit.create_attempt_partition(((now() AT TIME ZONE 'UTC') - \(days)::integer * interval '1 day')::date)
                    """).single(String?.self) != nil)
            }
            try await runProbes(5, queue: "old", pool: pool)
            try await age(queue: "old", days: 150, pool: pool)
            try await runProbes(2, queue: "running", pool: pool)
            try await age(queue: "running", days: 120, pool: pool)
            // One of the 120-day-old jobs is running still, on the attempt it started then.
            try await pool.query("""
                WITH one AS (SELECT a.lease_token, a.job_id FROM benefit.job_attempt a JOIN benefit.job j ON j.id = a.job_id
                             WHERE j.queue = 'running' ORDER BY j.id LIMIT 1),
                     attempt AS (UPDATE benefit.job_attempt a SET outcome = 'running', finished_at = NULL
                                 FROM one WHERE a.lease_token = one.lease_token)
                UPDATE benefit.job j SET state = 'running', finished_at = NULL, lease_token = one.lease_token,
                       lease_expires_at = now() + interval '1 hour'
                FROM one WHERE j.id = one.job_id
                """)
            #expect(try await pool.query("SELECT count(*) FROM benefit.\(unsafeSQL: old)").single(Int.self) == 5)
            let queue = JobQueue(pool: pool)

            let dry = try await queue.prune(olderThan: .seconds(90 * 86_400), dryRun: true, by: "tester@tests")
            #expect(dry.partitions == [PruneResult.Partition(name: old, attempts: 5)])
            #expect(try await exists(old, pool: pool))

            let pruned = try await queue.prune(olderThan: .seconds(90 * 86_400), by: "tester@tests")
            #expect(pruned.partitions == [PruneResult.Partition(name: old, attempts: 5)])
            // The 5 old jobs and the 120-day-old finished one went; their attempts went with the month (5) or row by row (1).
            #expect(pruned.jobs == 6 && pruned.attempts == 1)
            #expect(try await !exists(old, pool: pool))
            #expect(try await exists(older, pool: pool))
            #expect(try await pool.query("SELECT count(*) FROM benefit.job_attempt").single(Int.self) == 1)
            #expect(try await pool.query("SELECT state FROM benefit.job").decode(String.self) == ["running"])
            let audited = try await pool.query("""
                SELECT target, (details->>'attempts')::int FROM benefit.audit_event WHERE action = 'job.prune' AND target LIKE 'job_attempt_%'
                """).decode((String, Int).self)
            #expect(audited.map(\.0) == [old] && audited.map(\.1) == [5])

            // Claims go on into this month's partition.
            try await runProbes(3, queue: "after", pool: pool)
            let current = try await partition(daysAgo: 0, pool: pool)
            #expect(try await pool.query("SELECT count(*) FROM benefit.\(unsafeSQL: current)").single(Int.self) == 3)
        }
    }

    @Test("a worker makes the missing months when it starts, and its jobs run in them")
    func workersKeepMonthsAhead() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            let current = try await partition(daysAgo: 0, pool: pool)
            let next = try await pool.query("""
                SELECT 'job_attempt_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month', '"y"YYYY"m"MM')
                """).single(String.self)
            #expect(try await exists(current, pool: pool))
            #expect(try await exists(next, pool: pool))
            // As if every worker had been stopped for months: no partition for now.
            try await pool.query("DROP TABLE benefit.\(unsafeSQL: current), benefit.\(unsafeSQL: next)")

            try await runProbes(2, queue: "months", pool: pool)
            #expect(try await exists(current, pool: pool))
            #expect(try await exists(next, pool: pool))
            #expect(try await pool.query("SELECT count(*) FROM benefit.\(unsafeSQL: current)").single(Int.self) == 2)
            // Three months ahead are there: nothing more to make.
            #expect(try await JobQueue(pool: pool).extendAttemptPartitions().isEmpty)
        }
    }

    @Test("workers starting together make each missing month once, and none of them fails")
    func concurrentWorkersMakeEachMonthOnce() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            let missing = try await pool.query("""
                SELECT partition FROM benefit.job_attempt_partitions WHERE starts > now() ORDER BY starts
                """).decode(String.self)
            #expect(missing.count == 2)
            try await pool.query("DROP TABLE \(unsafeSQL: missing.map { "benefit." + $0 }.joined(separator: ", "))")
            let made = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<8 { group.addTask { try await JobQueue(pool: pool).extendAttemptPartitions() } }
                var all: [String] = []
                for try await names in group { all += names }
                return all
            }
            // Each month made by exactly one of them; a month another held was left to it, so
            // what is missing after the race is made by the next pass.
            #expect(Set(made).count == made.count)
            _ = try await JobQueue(pool: pool).extendAttemptPartitions()
            for name in missing { #expect(try await exists(name, pool: pool)) }
        }
    }
}
