import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit jobs enqueue --timeout` and a real `benefit worker` process: a handler
/// that runs past its timeout is stopped, and one that ignores the stop does not
/// keep its slot.
@Suite("Job timeouts")
struct JobTimeoutProcessTests {
    /// How long the stubborn probe sleeps, ignoring the worker's stop.
    static let stubbornMilliseconds = 8_000

    static func count(_ pool: PostgresPool, _ query: PostgresQuery) async throws -> Int {
        try await pool.query(query).single(Int.self)
    }

    /// `benefit jobs enqueue probe --queue timeouts ARGUMENTS`; the new job's id.
    static func enqueueProbe(_ arguments: [String], environment: [String: String]) async throws -> Int {
        let outcome = try await BenefitProcess.run(["jobs", "enqueue", "probe", "--queue", "timeouts"] + arguments, environment: environment)
        #expect(outcome.exitCode == 0, "\(outcome.standardError)")
        let words = outcome.standardOutput.split(whereSeparator: \.isWhitespace)
        return try #require(words.last.flatMap { Int($0) }, "\(outcome.standardOutput)")
    }

    @Test("""
        a stubborn handler past its --timeout: each attempt ends timed_out and the job retries, then dies; the only slot \
        runs the next job while the handler still sleeps; its late commit writes nothing
        """)
    func timeoutFreesTheSlotOfAStubbornHandler() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let stubborn = try await Self.enqueueProbe(
                ["--payload", #"{"ms": \#(Self.stubbornMilliseconds), "stubborn": true}"#, "--timeout", "1s", "--max-attempts", "2"],
                environment: environment)
            #expect(try await Self.count(pool, "SELECT coalesce(timeout_ms, 0) FROM benefit.job WHERE id = \(stubborn)") == 1_000)
            let port = try PortProbe.freePort()
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let worker = await processes.start("timeout", [
                    "worker", "--queues", "timeouts", "--concurrency", "1", "--poll-interval", "100ms",
                    "--metrics-address", "127.0.0.1:\(port)",
                ], environment: environment)
                // The stubborn job takes the only slot; the next job comes while it runs.
                #expect(try await eventually {
                    try await Self.count(pool, "SELECT count(*) FROM benefit.job_attempt WHERE job_id = \(stubborn)") == 1
                }, "\(worker.logTail())")
                let next = try await Self.enqueueProbe(["--payload", #"{"ms": 0}"#], environment: environment)

                // At the timeout the slot is freed: the next job is claimed and commits
                // its effect while the stubborn handler is still asleep.
                #expect(try await eventually(timeout: .seconds(60)) { try await queue.state(of: next) == .succeeded }, "\(worker.logTail())")
                let gap = try await pool.query("""
                    SELECT extract(epoch FROM n.finished_at - s.started_at)::float8
                    FROM benefit.job_attempt s, benefit.job_attempt n
                    WHERE s.job_id = \(stubborn) AND s.attempt = 1 AND n.job_id = \(next)
                    """).single(Double.self)
                #expect(gap < Double(Self.stubbornMilliseconds) / 1_000, "the next job ended \(gap) s after the stubborn one started")

                // The stubborn job retries under its policy, times out again, and is dead.
                #expect(try await eventually(timeout: .seconds(60)) { try await queue.state(of: stubborn) == .dead }, "\(worker.logTail())")
                let attempts = try await pool.query("""
                    SELECT outcome, error, retry_at IS NOT NULL FROM benefit.job_attempt WHERE job_id = \(stubborn) ORDER BY attempt
                    """).decode((String, String?, Bool).self)
                #expect(attempts.map(\.0) == ["timed_out", "timed_out"])
                #expect(attempts.allSatisfy { $0.1?.contains("timeout of 1s") == true }, "\(attempts)")
                #expect(attempts.map(\.2) == [true, false], "the first attempt's retry is scheduled, the last one's is not")
                let lastError = try await pool.query("SELECT coalesce(last_error, '') FROM benefit.job WHERE id = \(stubborn)").single(String.self)
                #expect(lastError.contains("timeout of 1s"), "\(lastError)")

                // Both stubborn handlers wake and try their commits: refused, nothing written.
                var metrics = try await MetricsProcessTests.metrics(port)
                #expect(try await eventually(timeout: .seconds(60)) {
                    metrics = try await MetricsProcessTests.metrics(port)
                    return metrics.value("benefit_fenced_commits_total") == 2
                }, "\(worker.logTail())")
                #expect(try await Self.count(pool, "SELECT count(*) FROM benefit.probe_effect WHERE job_id = \(stubborn)") == 0)
                #expect(try await Self.count(pool, "SELECT count(*) FROM benefit.probe_effect WHERE job_id = \(next)") == 1)
                let labels = ["queue": "timeouts", "kind": "probe"]
                #expect(metrics.value("benefit_jobs_finished_total", labels.merging(["outcome": "timed_out"]) { $1 }) == 2)
                #expect(metrics.value("benefit_jobs_finished_total", labels.merging(["outcome": "succeeded"]) { $1 }) == 1)
                #expect(metrics.value("benefit_worker_jobs_in_flight") == 0)
                #expect(await processes.terminate(worker) == 0, "\(worker.logTail())")
            }
        }
    }
}
