import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Enqueue")
struct EnqueueTests {
    @Test("20 concurrent enqueues with one unique key yield one job")
    func uniqueKeyUnderConcurrency() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            let queue = JobQueue(pool: pool)
            let results = try await withThrowingTaskGroup(of: (id: Int, inserted: Bool).self) { group in
                for _ in 0..<20 {
                    group.addTask { try await queue.enqueue(NewJob(kind: "noop", uniqueKey: "relief:2026:batch-7")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.id)).count == 1)
            #expect(results.filter(\.inserted).count == 1)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 1)

            // Once that job is finished, the key is free again.
            try await pool.query("UPDATE benefit.job SET state = 'cancelled', finished_at = now()")
            let (_, insertedAgain) = try await queue.enqueue(NewJob(kind: "noop", uniqueKey: "relief:2026:batch-7"))
            #expect(insertedAgain)
        }
    }

    @Test("a job enqueued in a rolled-back transaction does not exist")
    func rolledBackEnqueueLeavesNothing() async throws {
        struct Abort: Error {}
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            await #expect(throws: Abort.self) {
                try await pool.transaction { tx in
                    let (id, inserted) = try await JobQueue.enqueue(NewJob(kind: "noop"), on: tx)
                    #expect(inserted && id > 0)
                    throw Abort()
                }
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 0)
            try await pool.transaction { tx in
                try await JobQueue.enqueue(NewJob(kind: "noop"), on: tx)
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 1)
        }
    }

    @Test("one claim takes a concurrency group's free slots first, then ungrouped jobs")
    func claimFillsConcurrencyGroupsThenTheRest() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            let queue = JobQueue(pool: pool)
            let big = ConcurrencyGroup(key: "big", limit: 2), small = ConcurrencyGroup(key: "small", limit: 1)
            var jobs = (0..<5).map { _ in NewJob(kind: "noop", queue: "q", concurrency: big) }
            jobs += (0..<5).map { _ in NewJob(kind: "noop", queue: "q", concurrency: small) }
            jobs += (0..<20).map { _ in NewJob(kind: "noop", queue: "q", priority: -1) }
            _ = try await queue.enqueueBulk(jobs)
            let worker = WorkerIdentity(name: "t")

            let first = try await queue.claim(queues: ["q"], limit: 10, worker: worker)
            let running: PostgresQuery = """
                SELECT coalesce(concurrency_key, ''), count(*) FROM benefit.job WHERE state = 'running'
                GROUP BY 1 ORDER BY 1
                """
            // 2 + 1 grouped slots, the 7 left to ungrouped jobs although they come first by priority.
            #expect(first.count == 10)
            #expect(try await pool.query(running).decode((String, Int).self).map { "\($0.0)=\($0.1)" } == ["=7", "big=2", "small=1"])
            #expect(try await pool.query("SELECT count(*) FROM benefit.job_attempt").single(Int.self) == 10)

            // The limits are full: the next claims take only ungrouped jobs, until none are left.
            let second = try await queue.claim(queues: ["q"], limit: 50, worker: worker)
            #expect(second.count == 13)
            #expect(try await queue.claim(queues: ["q"], limit: 50, worker: worker).isEmpty)
            #expect(try await pool.query(running).decode((String, Int).self).map { "\($0.0)=\($0.1)" } == ["=20", "big=2", "small=1"])

            // A slot frees when a grouped job ends: the next claim takes exactly one more of that group.
            let bigJob = try #require(first.first { $0.id <= 5 })
            _ = try await queue.completeMany([bigJob.leaseKey])
            let third = try await queue.claim(queues: ["q"], limit: 50, worker: worker)
            #expect(third.count == 1)
            #expect(try await pool.query("SELECT concurrency_key FROM benefit.job WHERE id = \(third[0].id)").single(String.self) == "big")
        }
    }

    @Test("copies of a job are made by the server: every one lands, like the job")
    func copiesLandLikeTheJob() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let job = NewJob(kind: "sleep", payload: #"{"ms": 5}"#, queue: "copies", priority: 3, maxAttempts: 7, group: "g")
            #expect(try await JobQueue(pool: pool).enqueue(copies: 25_000, of: job) == .many(count: 25_000))
            let (count, kinds, payloads, priorities, attempts, groups) = try await pool.query("""
                SELECT count(*), count(DISTINCT kind), count(DISTINCT payload), min(priority) + max(priority),
                       min(max_attempts) + max(max_attempts), count(*) FILTER (WHERE group_key = 'g')
                FROM benefit.job WHERE queue = 'copies' AND state = 'available'
                """).single((Int, Int, Int, Int, Int, Int).self)
            #expect(count == 25_000 && kinds == 1 && payloads == 1 && priorities == 6 && attempts == 14 && groups == 25_000)
            #expect(try await pool.query("SELECT payload->>'ms' FROM benefit.job LIMIT 1").single(String.self) == "5")
        }
    }

    @Test("bulk enqueue lands every job and claims come in priority, run-at, id order")
    func bulkEnqueueAndClaimOrder() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            let queue = JobQueue(pool: pool)
            let count = try await queue.enqueueBulk((0..<10_000).map { NewJob(kind: "noop", queue: "bulk", priority: $0 % 3) })
            #expect(count == 10_000)
            let ids = try await pool.withConnection { try await JobQueue.enqueueMany([NewJob(kind: "noop", queue: "other")], on: $0) }
            #expect(ids.count == 1)
            try await pool.query("UPDATE benefit.job SET run_at = run_at - interval '1 hour' WHERE queue = 'bulk' AND id % 7 = 0")
            let claimed = try await queue.claim(queues: ["bulk", "other"], limit: 50, worker: WorkerIdentity(name: "t"))
            #expect(claimed.count == 50)
            // The first 50 in (priority, run_at, id) order: priority 0 before 1 and 2 (which
            // were made due earlier too), and among those the earlier-due (every seventh id)
            // before the lower ids.
            let order = try await pool.query("""
                SELECT id FROM benefit.job WHERE queue IN ('bulk', 'other') ORDER BY priority, run_at, id LIMIT 50
                """).decode(Int.self)
            #expect(claimed.map(\.id) == order)
            let (early, priorities) = try await pool.query("""
                SELECT count(*) FILTER (WHERE id % 7 = 0), array_agg(DISTINCT priority) FROM benefit.job WHERE id = ANY (\(claimed.map(\.id)))
                """).single((Int, [Int]).self)
            #expect(early == 50)
            #expect(priorities == [0])
            let attempts = try await pool.query("SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'running'").single(Int.self)
            #expect(attempts == 50)
            let tokens = claimed.map(\.leaseToken)
            #expect(Set(tokens).count == 50)
        }
    }

    @Test("a bulk enqueue stores every field on every job, whether all jobs share it (sent once) or not (sent per job)")
    func sharedFieldsLandOnEveryJob() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let runAt = try Date("2031-02-03T04:05:06Z", strategy: .iso8601)
            func job(priority: Int) -> NewJob {
                NewJob(kind: "sleep", payload: #"{"ms": 7}"#, queue: "shared", priority: priority, runAt: runAt, maxAttempts: 9,
                       lease: .seconds(70), backoffInitial: .seconds(3), backoffMax: .seconds(30), group: "g-1",
                       concurrency: ConcurrencyGroup(key: "c-1", limit: 4), timeout: .seconds(20))
            }
            // The first chunk (5,000) shares every field; in the second, the priority varies.
            let jobs = (0..<5_000).map { _ in job(priority: 2) } + (0..<1_000).map { job(priority: $0 % 2) }
            let ids = try await pool.transaction { try await JobQueue.enqueueMany(jobs, on: $0) }
            #expect(ids.count == jobs.count)
            let alike = try await pool.query("""
                SELECT count(*) FROM benefit.job
                WHERE queue = 'shared' AND kind = 'sleep' AND payload = '{"ms": 7}' AND run_at = \(runAt) AND max_attempts = 9
                  AND lease_ms = 70000 AND backoff_initial_ms = 3000 AND backoff_max_ms = 30000 AND unique_key IS NULL
                  AND group_key = 'g-1' AND concurrency_key = 'c-1' AND concurrency_limit = 4 AND timeout_ms = 20000
                """).single(Int.self)
            #expect(alike == jobs.count)
            let priorities = try await pool.query("""
                SELECT u.ordinal > 5000, j.priority, count(*) FROM unnest(\(ids)::bigint[]) WITH ORDINALITY AS u(id, ordinal)
                JOIN benefit.job j ON j.id = u.id GROUP BY 1, 2 ORDER BY 1, 2
                """).decode((Bool, Int, Int).self)
            #expect(priorities.map { "\($0.0) \($0.1) \($0.2)" } == ["false 2 5000", "true 0 500", "true 1 500"])
        }
    }

    @Test("jobs alike but for their payloads go in through enqueue_jobs_alike (each payload with its job, ids in input order, the group made, the queue woken); any other difference through enqueue_jobs")
    func alikeJobsGoInFromOneTemplate() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            /// Enqueues `jobs` in one transaction; returns the ids and the queue's functions it called, with their calls.
            func enqueue(_ jobs: [NewJob]) async throws -> (ids: [Int], functions: [String]) {
                try await pool.transaction { tx in
                    // The counts are the session's until it reports them: the enqueue's are
                    // what it adds, within its transaction.
                    let calls: PostgresQuery = """
                        SELECT funcname, calls FROM pg_stat_xact_user_functions
                        WHERE schemaname = 'benefit' AND funcname LIKE 'enqueue%'
                        """
                    try await tx.query("SET LOCAL track_functions = 'pl'")
                    let before = Dictionary(uniqueKeysWithValues: try await tx.query(calls).decode((String, Int).self))
                    let ids = try await JobQueue.enqueueMany(jobs, on: tx)
                    let functions = try await tx.query(calls).decode((String, Int).self)
                        .compactMap { $0.1 > before[$0.0, default: 0] ? "\($0.0) \($0.1 - before[$0.0, default: 0])" : nil }
                    return (ids, functions.sorted())
                }
            }
            let alike = (0..<3).map {
                NewJob(kind: "noop", payload: #"{"n": \#($0)}"#, queue: "alike", concurrency: ConcurrencyGroup(key: "alike-c", limit: 2))
            }
            var enqueued: (ids: [Int], functions: [String]) = ([], [])
            let woken = try await firstJobsNotification(after: { enqueued = try await enqueue(alike) }, configuration: configuration)
            #expect(woken == "alike")
            #expect(enqueued.functions == ["enqueue_jobs_alike 1"])
            #expect(enqueued.ids.count == 3 && enqueued.ids == enqueued.ids.sorted())
            let payloads = try await pool.query("""
                SELECT j.payload->>'n' FROM unnest(\(enqueued.ids)::bigint[]) WITH ORDINALITY AS u(id, ordinal)
                JOIN benefit.job j ON j.id = u.id ORDER BY u.ordinal
                """).decode(String.self)
            #expect(payloads == ["0", "1", "2"])
            #expect(try await pool.query("SELECT count(*) FROM benefit.job_concurrency_group WHERE key = 'alike-c'").single(Int.self) == 1)

            // Another kind, or a unique key, and the jobs are not alike.
            #expect(try await enqueue(alike + [NewJob(kind: "sleep", queue: "alike")]).functions == ["enqueue_jobs 1"])
            #expect(try await enqueue([NewJob(kind: "noop", queue: "alike", uniqueKey: "k-1")]).functions == ["enqueue_jobs 1"])
            // No payloads: nothing inserted, no concurrency group made.
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.enqueue_jobs_alike(\("alike"), \("noop"), 0, NULL, 5, 60000, 10000, 600000, NULL,
                                                                \("empty-c"), 1, NULL, '{}')
                """).single(Int.self) == 0)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job_concurrency_group WHERE key = 'empty-c'").single(Int.self) == 0)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job WHERE queue = 'alike'").single(Int.self) == 8)
        }
    }

    @Test("each payload lands with its own job, across the enqueue's chunks, quotes and non-ASCII intact")
    func bulkPayloadsKeepTheirOrder() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            let jobs = (0..<12_001).map { NewJob(kind: "noop", payload: #"{"n": \#($0), "note": "困难\"职工\\帮扶"}"#, queue: "bulk") }
            let ids = try await pool.transaction { try await JobQueue.enqueueMany(jobs, on: $0) }
            #expect(ids.count == jobs.count)
            let matching = try await pool.query("""
                SELECT count(*) FROM unnest(\(ids)::bigint[]) WITH ORDINALITY AS u(id, ordinal)
                JOIN benefit.job j ON j.id = u.id
                WHERE (j.payload->>'n')::bigint = u.ordinal - 1 AND j.payload->>'note' = \("困难\"职工\\帮扶")
                """).single(Int.self)
            #expect(matching == jobs.count)
        }
    }

    @Test("two claimers never get the same job (SKIP LOCKED)")
    func concurrentClaimsNeverOverlap() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            let queue = JobQueue(pool: pool)
            try await queue.enqueueBulk((0..<2_000).map { _ in NewJob(kind: "noop", queue: "race") })
            let claimed = try await withThrowingTaskGroup(of: [Int].self) { group in
                for index in 0..<8 {
                    group.addTask {
                        var mine: [Int] = []
                        while true {
                            let batch = try await queue.claim(queues: ["race"], limit: 37, worker: WorkerIdentity(name: "c\(index)"))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 2_000)
            #expect(Set(claimed).count == 2_000)
        }
    }
}
