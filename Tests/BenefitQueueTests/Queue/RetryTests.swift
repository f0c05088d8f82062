import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Retries and dead letters")
struct RetryTests {

    @Test("failing twice then succeeding ends succeeded at attempt 3, with backoff gaps within bounds")
    func failTwiceThenSucceed() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            let queue = JobQueue(pool: pool)
            let initial = Duration.milliseconds(150), maxDelay = Duration.milliseconds(400)
            let (jobID, _) = try await queue.enqueue(NewJob(
                kind: "probe", payload: #"{"failAttempts": 2}"#, queue: "retry", maxAttempts: 5,
                backoffInitial: initial, backoffMax: maxDelay))
            let worker = Worker(pool: pool, registry: HandlerRegistry(DiagnosticHandlers.all),
                                configuration: .forTests(queues: ["retry"], name: "retrier"), logger: TestDatabase.quietLogger)
            try await withWorker(worker) { () async throws in
                #expect(try await eventually(timeout: .seconds(120)) { try await queue.state(of: jobID) == .succeeded })
            }
            let attempts = try await pool.query("""
                SELECT attempt, outcome, started_at, finished_at, error, retry_at
                FROM benefit.job_attempt WHERE job_id = \(jobID) ORDER BY attempt
                """).decode((Int, String, Date, Date, String?, Date?).self)
            try #require(attempts.map(\.1) == ["retry", "retry", "succeeded"])
            #expect(attempts.map(\.0) == [1, 2, 3])
            #expect(attempts[0].4 == "probe failure on attempt 1")
            for index in 0..<2 {
                // The delay drawn lies in [0, bound], and the attempt's end and its retry_at
                // come from one clock reading: the gap is the delay, to the microsecond.
                let retryAt = try #require(attempts[index].5)
                let delay = retryAt.timeIntervalSince(attempts[index].3)
                let bound = Double(Backoff.bound(attempt: index + 1, initial: initial, max: maxDelay).wholeMilliseconds) / 1000
                #expect(delay >= -0.000_01 && delay <= bound + 0.000_01, "delay \(delay) s after attempt \(index + 1), bound \(bound) s")
                #expect(abs(delay * 1000 - (delay * 1000).rounded()) < 0.01, "a delay of whole milliseconds, got \(delay) s")
                // ... and the next attempt never starts before it.
                #expect(attempts[index + 1].2 >= retryAt)
            }
            #expect(attempts[2].5 == nil)
            #expect(try await pool.query("SELECT count(*) FROM benefit.probe_effect").single(Int.self) == 1)
        }
    }

    @Test("a job that always fails is dead after maxAttempts, keeping its last error; a permanent error is dead at once")
    func deadLetters() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 10)
            let queue = JobQueue(pool: pool)
            let (always, _) = try await queue.enqueue(NewJob(
                kind: "probe", payload: #"{"failAttempts": 99}"#, queue: "dead", maxAttempts: 3,
                backoffInitial: .milliseconds(20), backoffMax: .milliseconds(50)))
            let (permanent, _) = try await queue.enqueue(NewJob(
                kind: "probe", payload: #"{"failAttempts": 99, "permanent": true}"#, queue: "dead", maxAttempts: 3))
            let (unknown, _) = try await queue.enqueue(NewJob(kind: "no-such-kind", queue: "dead", maxAttempts: 3))
            let worker = Worker(pool: pool, registry: HandlerRegistry(DiagnosticHandlers.all),
                                configuration: .forTests(queues: ["dead"], name: "w"), logger: TestDatabase.quietLogger)
            try await withWorker(worker) { () async throws in
                #expect(try await eventually(timeout: .seconds(120)) {
                    try await pool.query("SELECT count(*) FROM benefit.job WHERE state = 'dead'").single(Int.self) == 3
                })
            }
            let dead = try await queue.deadJobs(limit: 10)
            let byID = Dictionary(uniqueKeysWithValues: dead.map { ($0.jobID, $0) })
            #expect(byID[always]?.attempts == 3)
            #expect(byID[always]?.lastError == "probe failure on attempt 3")
            #expect(byID[permanent]?.attempts == 1)
            #expect(byID[unknown]?.attempts == 1)
            #expect(byID[unknown]?.lastError?.contains("no handler for kind \"no-such-kind\"") == true)
            let outcomes = try await pool.query("""
                SELECT outcome FROM benefit.job_attempt WHERE job_id = \(always) ORDER BY attempt
                """).decode(String.self)
            #expect(outcomes == ["retry", "retry", "dead"])

            // An operator retries the dead job with fresh attempts.
            #expect(try await queue.retryDead(jobID: always).map(\.id) == [always])
            let (state, attempt) = try await pool.query("SELECT state, attempt FROM benefit.job WHERE id = \(always)").single((String, Int).self)
            #expect(state == "available")
            #expect(attempt == 0)
        }
    }
}
