import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Queue depth: what the leading scheduler publishes")
struct QueueDepthTests {
    @Test("depths count each queue's available, running and dead jobs, and the age of its oldest due job, leaving finished jobs out")
    func depthCountsLiveStatesAndTheOldestDueJob() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let worker = WorkerIdentity(name: "depth-test")
            // On "a": one due for 5 minutes, one due now, one not due for an hour; then one
            // of them claimed (running), and on "b" one dead and one succeeded.
            _ = try await queue.enqueue(NewJob(kind: "noop", queue: "a", runAt: Date(timeIntervalSinceNow: -300)))
            _ = try await queue.enqueue(NewJob(kind: "noop", queue: "a"))
            _ = try await queue.enqueue(NewJob(kind: "noop", queue: "a", runAt: Date(timeIntervalSinceNow: 3_600)))
            _ = try await queue.enqueue(NewJob(kind: "noop", queue: "a", priority: -1))
            #expect(try await queue.claim(queues: ["a"], limit: 1, worker: worker).count == 1)
            _ = try await queue.enqueue(NewJob(kind: "noop", queue: "b", maxAttempts: 1))
            _ = try await queue.enqueue(NewJob(kind: "noop", queue: "b", maxAttempts: 1))
            let claimed = try await queue.claim(queues: ["b"], limit: 2, worker: worker)
            #expect(claimed.count == 2)
            #expect(try await queue.fail(claimed[0], .permanent, error: PermanentFailure("broken")) == .dead)
            #expect(try await queue.completeMany([claimed[1].leaseKey]).values.first == .succeeded)

            let depths = try await queue.depths()
            #expect(depths.map(\.queue) == ["a", "b"])
            let a = try #require(depths.first)
            #expect(a == QueueDepth(queue: "a", available: 2, scheduled: 1, running: 1, oldestWaitSeconds: a.oldestWaitSeconds))
            let age = try #require(a.oldestWaitSeconds)
            #expect(age >= 299 && age < 360, "\(age)")
            #expect(depths.last == QueueDepth(queue: "b", dead: 1, deadLastDay: 1))
        }
    }
}
