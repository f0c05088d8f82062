import BenefitAudit
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Paused queues and held groups, as the claim itself obeys them.
@Suite("Pauses: queues and groups the claim leaves alone")
struct PauseTests {
    private static func states(_ ids: [Int], on pool: PostgresPool) async throws -> [String] {
        try await pool.query("SELECT state FROM benefit.job WHERE id = ANY (\(ids)) ORDER BY id").decode(String.self)
    }

    @Test("a paused queue's jobs are claimed by no one, even a worker that asks for it, while its running jobs end as usual; resume wakes its workers and gives them back")
    func pausedQueueIsLeftAlone() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let worker = WorkerIdentity(name: "pause-test")
            // Two jobs claimed before the pause: one will complete, one will fail and retry at once.
            let before = try await queue.enqueueBulk((0..<2).map { _ in NewJob(kind: "noop", queue: "relief", backoffInitial: .zero, backoffMax: .zero) })
            let running = try await queue.claim(queues: ["relief"], limit: 2, worker: worker)
            #expect(running.count == before)

            #expect(try await queue.pause(queue: "relief", reason: "bank file under review", by: "alice@ops-1"))
            #expect(try await queue.pause(queue: "relief", reason: "again", by: "alice@ops-1") == false)
            let waiting = try await (0..<3).asyncMap { _ in try await queue.enqueue(NewJob(kind: "noop", queue: "relief")).id }
            let other = try await queue.enqueue(NewJob(kind: "noop", queue: "other")).id

            // The running ones are untouched: heartbeat, completion, failure.
            #expect(try await queue.extendLeases(running.map(\.leaseKey)).count == 2)
            #expect(try await queue.completeMany([running[0].leaseKey]).values.first == .succeeded)
            #expect(try await queue.fail(running[1], .retryable, error: PermanentFailure("flaky")) == .retry)
            // A claim asking for both queues gets only the other's job: the retried one waits with the new ones.
            #expect(try await queue.claim(queues: ["relief", "other"], limit: 10, worker: worker).map(\.id) == [other])
            #expect(try await queue.claim(queues: ["relief"], limit: 10, worker: worker).isEmpty)
            #expect(try await Self.states(waiting + [running[1].id], on: pool) == ["available", "available", "available", "available"])

            let pause = try #require(try await queue.pause(of: "relief"))
            #expect(pause.reason == "bank file under review")
            #expect(pause.pausedBy == "alice@ops-1")
            #expect(pause.databaseUser == configuration.parameter("user"))
            #expect(try await queue.pauses().map(\.queue) == ["relief"])

            let woken = try await firstJobsNotification(after: { () async throws in
                #expect(try await queue.resume(queue: "relief", by: "alice@ops-1"))
            }, configuration: configuration)
            #expect(woken == "relief")
            #expect(try await queue.resume(queue: "relief", by: "alice@ops-1") == false)
            #expect(try await queue.pause(of: "relief") == nil)
            #expect(Set(try await queue.claim(queues: ["relief"], limit: 10, worker: worker).map(\.id)) == Set(waiting + [running[1].id]))

            // Each took, and only those, in the audit trail.
            let events = try await AuditTrail.events(AuditFilter(target: "queue:relief"), on: pool).reversed()
            #expect(events.map(\.action) == [.queuePause, .queueResume])
            #expect(events.map(\.reason) == ["bank file under review", nil])
        }
    }

    @Test("a pause the queue or the audit trail would refuse is refused before anything is written")
    func refusedPauseWritesNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let refusal = await #expect(throws: InvalidJob.self) { try await queue.pause(queue: "Relief!", reason: "why", by: "alice@ops-1") }
            #expect(refusal?.field == .queue)
            await #expect(throws: AuditError.self) { try await queue.pause(queue: "relief", reason: " ", by: "alice@ops-1") }
            let written = try await pool.query("SELECT (SELECT count(*) FROM benefit.queue_pause) + (SELECT count(*) FROM benefit.audit_event)")
            #expect(try written.single(Int.self) == 0)
        }
    }

    @Test("a held group's jobs are skipped by every claim, in a concurrency group too, while its running job completes; releasing wakes their queue")
    func heldGroupIsSkipped() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let worker = WorkerIdentity(name: "hold-test")
            let limited = ConcurrencyGroup(key: "campaign:1", limit: 5)
            let first = try await queue.enqueue(NewJob(kind: "noop", queue: "runs", group: "run:1")).id
            let runningBefore = try #require(try await queue.claim(queues: ["runs"], limit: 1, worker: worker).first)
            #expect(runningBefore.id == first)
            let held = try await (0..<2).asyncMap { _ in try await queue.enqueue(NewJob(kind: "noop", queue: "runs", group: "run:1")).id }
                + (0..<2).asyncMap { _ in try await queue.enqueue(NewJob(kind: "noop", queue: "runs", group: "run:1", concurrency: limited)).id }
            let free = try await (0..<2).asyncMap { _ in try await queue.enqueue(NewJob(kind: "noop", queue: "runs", group: "run:2")).id }
                + [try await queue.enqueue(NewJob(kind: "noop", queue: "runs")).id]

            #expect(try await pool.transaction { try await JobQueue.hold(groups: ["run:1"], on: $0) } == ["run:1"])
            #expect(try await pool.transaction { try await JobQueue.hold(groups: ["run:1"], on: $0) }.isEmpty)
            #expect(try await queue.heldGroups().map(\.group) == ["run:1"])
            #expect(Set(try await queue.claim(queues: ["runs"], limit: 20, worker: worker).map(\.id)) == Set(free))
            #expect(try await queue.claim(queues: ["runs"], limit: 20, worker: worker).isEmpty)
            // Its running job completes; its waiting ones keep the group live (a run is not finished while they wait).
            #expect(try await queue.completeMany([runningBefore.leaseKey]).values.first == .succeeded)
            let status = try await pool.withConnection { try await JobQueue.status(of: ["run:1"], on: $0) }
            #expect(status["run:1"] == GroupStatus(hasLive: true, hasDead: false))

            let woken = try await firstJobsNotification(after: { () async throws in
                #expect(try await pool.transaction { try await JobQueue.release(groups: ["run:1", "run:9"], on: $0) } == ["run:1"])
            }, configuration: configuration)
            #expect(woken == "runs")
            #expect(try await queue.heldGroups().isEmpty)
            #expect(Set(try await queue.claim(queues: ["runs"], limit: 20, worker: worker).map(\.id)) == Set(held))
        }
    }
}

extension Sequence {
    /// Maps in order, awaiting each element's value before the next.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
