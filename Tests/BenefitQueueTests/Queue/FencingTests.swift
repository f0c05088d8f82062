import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Writes one effect row in its fenced commit.
struct EffectHandler: JobHandler {
    let kind = "effect"
    func run(_ context: JobContext) async throws {
        let job = context.job
        try await context.commit { connection in
            try await connection.query("INSERT INTO test_effect (job_id, lease_token) VALUES (\(job.id), \(job.leaseToken.rawValue))")
        }
    }
}

@Suite("Leases and fencing")
struct FencingTests {
    @Test("a zombie worker cannot commit after its job was taken over")
    func zombieWorkerCannotCommitAfterTakeover() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            let queue = JobQueue(pool: pool)
            try await pool.query("CREATE TABLE test_effect (job_id bigint NOT NULL, lease_token bigint NOT NULL)")
            let (jobID, _) = try await queue.enqueue(NewJob(kind: "effect", queue: "zombie", lease: .seconds(60)))

            // The zombie claims, then stalls without heartbeats, like a frozen process,
            // until its lease runs out. (The lease is ended by hand rather than made
            // short: a short lease would also be the survivor's, and on a busy machine
            // the survivor could lose it too.)
            let zombie = try #require(try await queue.claim(queues: ["zombie"], limit: 1, worker: WorkerIdentity(name: "zombie")).first)
            #expect(zombie.id == jobID)
            try await pool.query("UPDATE benefit.job SET lease_expires_at = now() - interval '1 second' WHERE id = \(jobID)")

            // Another worker's rescuer takes the job back once the lease expires, and it runs it.
            let survivor = Worker(
                pool: pool, registry: HandlerRegistry([EffectHandler()]),
                configuration: .forTests(queues: ["zombie"], name: "survivor"), logger: TestDatabase.quietLogger)
            try await withWorker(survivor) { () async throws in
                #expect(try await eventually { try await queue.state(of: jobID) == .succeeded })
            }

            // The zombie wakes up and tries to commit its effect: fenced.
            await #expect(throws: LeaseLost.self) {
                try await queue.commit(zombie.leaseKey) { connection in
                    try await connection.query("INSERT INTO test_effect VALUES (\(jobID), \(zombie.leaseToken.rawValue))")
                }
            }
            let effects = try await pool.query("SELECT lease_token FROM test_effect").decode(Int64.self)
            #expect(effects.count == 1)
            #expect(effects.first != zombie.leaseToken.rawValue)
            let attempts = try await pool.query("""
                SELECT worker, outcome, attempt FROM benefit.job_attempt WHERE job_id = \(jobID) ORDER BY lease_token
                """).decode((String, String, Int).self)
            #expect(attempts.map(\.0) == ["zombie", "survivor"])
            #expect(attempts[0].1 == "fenced")
            #expect(attempts[1].1 == "succeeded")
            #expect(attempts.map(\.2) == [1, 2])
        }
    }

    @Test("a worker that loses its lease stops the handler and commits nothing")
    func lostLeaseStopsTheHandler() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            let queue = JobQueue(pool: pool)
            let (jobID, _) = try await queue.enqueue(NewJob(
                kind: "probe", payload: #"{"ms": 30000}"#, queue: "lost", lease: .seconds(10)))
            let worker = Worker(
                pool: pool, registry: HandlerRegistry(DiagnosticHandlers.all),
                configuration: .forTests(queues: ["lost"], name: "holder"), logger: TestDatabase.quietLogger)
            try await withWorker(worker) { () async throws in
                #expect(try await eventually { try await queue.state(of: jobID) == .running })
                // An operator cancels the running job: the next heartbeat finds the token gone.
                // (The lease is long enough that a loaded machine's late heartbeat cannot let
                // the rescuer take the job back first, which would leave nothing running to cancel.)
                #expect(try await queue.cancel(jobID: jobID, reason: "no longer wanted", by: "tester@tests"))
                #expect(try await eventually {
                    try await pool.query("SELECT count(*) FROM benefit.job_attempt WHERE job_id = \(jobID) AND outcome = 'fenced'").single(Int.self) == 1
                })
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.probe_effect").single(Int.self) == 0)
            #expect(try await queue.state(of: jobID) == .cancelled)
        }
    }
}
