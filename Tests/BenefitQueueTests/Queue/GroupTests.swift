import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Synchronization
import Testing

/// Ends the job `cancelled` when its payload says so, else fails it for good.
struct WithdrawnHandler: JobHandler {
    let kind = "withdrawn"
    struct Payload: Decodable { let cancel: Bool }
    func run(_ context: JobContext) async throws {
        if try context.job.decodePayload(Payload.self).cancel { throw JobCancelled("no longer wanted") }
        throw PermanentFailure("broken")
    }
}

/// Counts every attempt's end it is told of, by job.
final class EndCounter: JobObserver {
    let ends = Mutex<[Int: [AttemptOutcome]]>([:])
    func attemptEnded(_ job: ClaimedJob, outcome: AttemptOutcome) {
        ends.withLock { $0[job.id, default: []].append(outcome) }
    }
}

@Suite("Groups: a producer's jobs together")
struct GroupTests {
    @Test("a fan-out from a query pairs every new job with its row's reference, whatever their order")
    func fanOutPairsJobsWithReferences() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await pool.query("CREATE TABLE test_row (reference bigint, label text)")
            try await pool.query("INSERT INTO test_row SELECT r, 'row-' || r FROM generate_series(1, 3000) r ORDER BY random()")
            let enqueued = try await pool.transaction { transaction in
                try await JobQueue.enqueue(
                    NewJob(kind: "noop", queue: "fan", group: "g"),
                    rows: "SELECT jsonb_build_object('label', label), reference FROM test_row ORDER BY md5(label)", on: transaction)
            }
            #expect(enqueued.count == 3000)
            #expect(Set(enqueued.map(\.reference)) == Set(1...3000))
            let payloads = try await pool.query("SELECT id, payload->>'label' FROM benefit.job").decode((Int, String).self)
            let labels = Dictionary(uniqueKeysWithValues: payloads)
            #expect(enqueued.allSatisfy { labels[$0.id] == "row-\($0.reference)" })
        }
    }

    @Test("cancel, status, dead list and retry by group touch that group's jobs only")
    func groupOperations() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            try await pool.withConnection { connection in
                _ = try await JobQueue.enqueueMany(
                    (0..<3).map { _ in NewJob(kind: "noop", queue: "idle", group: "a") }
                        + (0..<2).map { _ in NewJob(kind: "noop", queue: "idle", group: "b") }, on: connection)
            }
            let status = try await pool.withConnection { try await JobQueue.status(of: ["a", "b", "none"], on: $0) }
            #expect(status == ["a": GroupStatus(hasLive: true, hasDead: false), "b": GroupStatus(hasLive: true, hasDead: false),
                               "none": GroupStatus(hasLive: false, hasDead: false)])
            #expect(try await pool.withConnection { try await JobQueue.cancelAvailable(group: "a", on: $0) } == 3)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job WHERE state = 'available'").single(Int.self) == 2)

            // Group c's jobs die; retried by group, they come back, group b's are untouched.
            let (dead1, _) = try await queue.enqueue(NewJob(kind: "no-handler", queue: "dead", maxAttempts: 1, group: "c"))
            let (dead2, _) = try await queue.enqueue(NewJob(kind: "no-handler", queue: "dead", maxAttempts: 1, group: "c"))
            let worker = Worker(pool: pool, registry: HandlerRegistry(), configuration: .forTests(queues: ["dead"], name: "w"),
                                logger: TestDatabase.quietLogger)
            try await withWorker(worker) { () async throws in
                #expect(try await eventually { try await queue.deadJobs(group: "c", limit: 10).count == 2 })
            }
            #expect(try await queue.deadJobs(group: "b", limit: 10).isEmpty)
            #expect(try await pool.withConnection { try await JobQueue.status(of: ["c"], on: $0) }["c"] == GroupStatus(hasLive: false, hasDead: true))
            let retried = try await pool.withConnection { try await JobQueue.retryDead(group: "c", on: $0) }
            #expect(retried.map(\.id) == [dead1, dead2] && retried.allSatisfy { $0.group == "c" })
            #expect(try await pool.withConnection { try await JobQueue.status(of: ["c"], on: $0) }["c"] == GroupStatus(hasLive: true, hasDead: false))
        }
    }

    @Test("a handler's JobCancelled ends its job and attempt cancelled, a permanent failure dead; observers hear each end once")
    func handlerCancellationAndObservers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let (cancelled, _) = try await queue.enqueue(NewJob(kind: "withdrawn", payload: #"{"cancel": true}"#, queue: "w"))
            let (broken, _) = try await queue.enqueue(NewJob(kind: "withdrawn", payload: #"{"cancel": false}"#, queue: "w"))
            _ = try await queue.enqueueBulk((0..<200).map { _ in NewJob(kind: "noop", queue: "w") })
            let counter = EndCounter()
            var configuration = Worker.Configuration.forTests(queues: ["w"], name: "w", concurrency: 8)
            configuration.observers = [counter]
            let worker = Worker(pool: pool, registry: HandlerRegistry(DiagnosticHandlers.all + [WithdrawnHandler()]),
                                configuration: configuration, logger: TestDatabase.quietLogger)
            try await withWorker(worker) { () async throws in
                // Under a second alone; the whole suite on one server has stretched it past 30 s.
                #expect(try await eventually(timeout: .seconds(120)) {
                    try await pool.query("SELECT count(*) FROM benefit.job WHERE finished_at IS NOT NULL").single(Int.self) == 202
                })
            }
            let rows = try await pool.query("""
                SELECT j.id, j.state, a.outcome FROM benefit.job j JOIN benefit.job_attempt a ON a.job_id = j.id
                WHERE j.id IN (\(cancelled), \(broken)) ORDER BY j.id
                """).decode((Int, String, String).self)
            #expect(rows.map { "\($0.1)/\($0.2)" } == ["cancelled/cancelled", "dead/dead"])
            let ends = counter.ends.withLock { $0 }
            #expect(ends.count == 202)
            #expect(ends.values.allSatisfy { $0.count == 1 }, "an attempt's end was reported more than once")
            #expect(ends[cancelled] == [.cancelled] && ends[broken] == [.dead])
            #expect(ends.values.filter { $0 == [.succeeded] }.count == 200)
        }
    }
}
