import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit jobs enqueue --in` and `--run-at`, against a real worker process.
@Suite("Scheduled jobs")
struct ScheduledJobProcessTests {
    /// The job's id from `enqueued job 12, due at …`.
    private static func jobID(_ output: String) throws -> Int {
        let match = try #require(output.firstMatch(of: /enqueued job (\d+), due at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/))
        return try #require(Int(match.1))
    }

    private struct State: Equatable {
        let state: String
        let attempt: Int
        let attemptRows: Int
        let isDue: Bool
    }

    /// Whether the job is due is read from `clock_timestamp()`, taken after the
    /// statement's snapshot. `now()` is the transaction's start, taken before it: a
    /// worker whose claim began after that instant, with the job due, could commit
    /// its whole run before the snapshot, and the job would read as run while not due.
    private static func state(of job: Int, _ pool: PostgresPool) async throws -> State {
        let (state, attempt, rows, isDue) = try await pool.query("""
            SELECT j.state, j.attempt, (SELECT count(*) FROM benefit.job_attempt a WHERE a.job_id = j.id), j.run_at <= clock_timestamp()
            FROM benefit.job j WHERE j.id = \(job)
            """).single((String, Int, Int, Bool).self)
        return State(state: state, attempt: attempt, attemptRows: rows, isDue: isDue)
    }

    @Test("a job enqueued --in 20s waits, available with no attempts, while an idle worker polls its queue; then it runs, not before its time")
    func notClaimedEarly() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            try await TestDatabase.withLogins([.operator, .worker], on: configuration) { logins in
                let operatorEnvironment = ["DATABASE_URL": try TestDatabase.url(of: logins[.operator]!)]
                let workerEnvironment = ["DATABASE_URL": try TestDatabase.url(of: logins[.worker]!)]
                func enqueue(_ extra: [String]) async throws -> BenefitProcess.Outcome {
                    let outcome = try await BenefitProcess.run(["jobs", "enqueue", "noop", "--queue", "later"] + extra, environment: operatorEnvironment)
                    #expect(outcome.exitCode == 0, "\(outcome.standardError)")
                    return outcome
                }
                func succeeded(_ job: Int) async throws -> Bool {
                    try await owner.query("SELECT state = 'succeeded' FROM benefit.job WHERE id = \(job)").single(Bool.self)
                }
                let job = try await withProcessGroup { (processes: ProcessGroup) async throws -> Int in
                    await processes.start(
                        "later-worker", ["worker", "--queues", "later", "--poll-interval", "100ms", "--log-level", "warning"],
                        environment: workerEnvironment)
                    // 20 s: the companion below must have run before this job is due, on a loaded machine too.
                    let scheduled = try await enqueue(["--in", "20s"])
                    #expect(scheduled.standardOutput.hasSuffix(" (in 20s)\n"), "\(scheduled.standardOutput)")
                    let job = try Self.jobID(scheduled.standardOutput)
                    #expect(try await Self.state(of: job, owner) == State(state: "available", attempt: 0, attemptRows: 0, isDue: false))

                    // The worker is polling the queue: a job due now on it runs at once.
                    let now = try await enqueue([])
                    let companionMatch = try #require(now.standardOutput.firstMatch(of: /enqueued job (\d+)\n/))
                    let companion = try #require(Int(companionMatch.1))
                    #expect(try await eventually(timeout: .seconds(30)) { try await succeeded(companion) })

                    // Until it is due the scheduled job stays as it was enqueued; then the worker runs it.
                    var early: [State] = []
                    var sawWaiting = false
                    #expect(try await eventually(timeout: .seconds(60)) {
                        let current = try await Self.state(of: job, owner)
                        if !current.isDue {
                            sawWaiting = true
                            if current != State(state: "available", attempt: 0, attemptRows: 0, isDue: false) { early.append(current) }
                            return false
                        }
                        return try await succeeded(job)
                    })
                    #expect(sawWaiting, "the job was already due when first looked at; nothing was shown")
                    #expect(early.isEmpty, "claimed before its time: \(early)")
                    return job
                }
                // One attempt, and it began no earlier than the job's run_at.
                let (attempts, startedOnTime) = try await owner.query("""
                    SELECT count(*), bool_and(a.started_at >= j.run_at)
                    FROM benefit.job j JOIN benefit.job_attempt a ON a.job_id = j.id
                    WHERE j.id = \(job)
                    """).single((Int, Bool).self)
                #expect(attempts == 1 && startedOnTime)
            }
        }
    }

    /// A database no command here may reach: these must fail while reading their options.
    private static let unreachable = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"]

    @Test("--run-at and --in refuse a malformed value naming the option, a past instant, and both at once: one line, exit 64", arguments: [
        (["--in", "5x"], "Error: The value '5x' is invalid for '--in <duration>': not a duration"),
        (["--in", "0s"], "Error: The value '0s' is invalid for '--in <duration>': out of range; expected a duration from 1s to 365d"),
        (["--run-at", "tomorrow"], "Error: The value 'tomorrow' is invalid for '--run-at <instant>': not an instant; expected one with its UTC offset"),
        (["--run-at", "2030-01-01T09:00:00"], "Error: The value '2030-01-01T09:00:00' is invalid for '--run-at <instant>': not an instant; "
            + "expected one with its UTC offset, such as 2026-12-20T09:00:00+08:00 (the UTC offset is missing)"),
        (["--run-at", "2020-01-01T09:00:00+08:00"], "Error: --run-at: 2020-01-01T01:00:00Z has already passed (it is now "),
        (["--in", "5m", "--run-at", "2099-01-01T00:00:00Z"], "Error: --run-at and --in both say when the job is due; give one of them\n"),
    ])
    func refusals(extra: [String], message: String) async throws {
        let outcome = try await BenefitProcess.run(["jobs", "enqueue", "noop"] + extra, environment: Self.unreachable)
        #expect(outcome.exitCode == 64)
        #expect(outcome.standardError.hasPrefix(message), "\(outcome.standardError)")
    }

    @Test("--run-at stores the instant as the job's run_at, for every copy, and says when they are due")
    func runAtIsStored() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let outcome = try await BenefitProcess.run(
                ["jobs", "enqueue", "noop", "--queue", "planned", "--count", "3", "--run-at", "2099-12-20T09:00:00+08:00"], environment: environment)
            #expect(outcome.exitCode == 0, "\(outcome.standardError)")
            #expect(outcome.standardOutput == "enqueued 3 jobs, due at 2099-12-20T01:00:00Z\n")
            let rows = try await pool.query("""
                SELECT count(*), count(*) FILTER (WHERE run_at = '2099-12-20T01:00:00Z' AND state = 'available' AND attempt = 0)
                FROM benefit.job WHERE queue = 'planned'
                """).single((Int, Int).self)
            #expect(rows == (3, 3))
        }
    }
}
