import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit worker` cut off from PostgreSQL in the middle of a batch by a network
/// fault, as real processes: worker A reaches the server through a proxy that
/// stops forwarding without closing anything; worker B reaches it directly.
@Suite("Network partition")
struct NetworkPartitionTests {
    /// Every job's lease: short, so the takeover comes within seconds.
    private static let lease = Duration.seconds(3)
    /// Both workers' poll interval.
    private static let pollInterval = Duration.milliseconds(200)
    /// Both workers' grace period at shutdown.
    private static let gracePeriod = Duration.seconds(5)
    /// What starting worker B and a two-core machine busy with other builds may add to a bound.
    private static let margin = Duration.seconds(5)
    /// How long after the cut B must hold every job A held. The server ends A's
    /// hold within one lease of the cut: a running job's expiry was set by a
    /// heartbeat sent before it, and the commit cut off while open has its
    /// session ended by its idle-in-transaction timeout, which the fenced commit
    /// sets to the lease (migrations/0010). B's rescuer passes within its interval
    /// after that (the command line keeps the library's default), and B claims at
    /// once on the rescue's NOTIFY, or within a poll.
    private static let takeoverBound = lease + JobRescuer.Configuration().interval + pollInterval + margin

    /// How long a probe of each kind sleeps. The first job's commit is where the
    /// network goes (the proxy freezes once it has forwarded the commit's fence
    /// check), so the others are cut off in the middle of their sleep. A yielding
    /// probe is still asleep when A gives its lease up, within one lease of the
    /// cut; a stubborn one sleeps through that stop and still past the thaw, which
    /// comes once B holds everything (about `takeoverBound` after the cut), so that
    /// its late commit comes after the network is back.
    private static let triggerMilliseconds = 1_000
    private static let yieldingMilliseconds = 8_000
    private static let stubbornMilliseconds = 20_000

    /// The jobs of the test, by how their probes behave.
    private struct Jobs {
        /// Its commit is where the network goes.
        var trigger: Int
        /// Their handlers end when stopped.
        var yielding: [Int] = []
        /// Their handlers sleep through the stop and try their commits anyway.
        var stubborn: [Int] = []
        var all: [Int] { [trigger] + yielding + stubborn }
    }

    /// `benefit worker` with the test's options; info logs tell when a lease is given up.
    private static func workerArguments(grace: Duration = gracePeriod, logLevel: String = "info") -> [String] {
        [
            "worker", "--queues", "partition", "--concurrency", "8", "--poll-interval", DurationText.format(pollInterval),
            "--grace-period", DurationText.format(grace), "--log-level", logLevel,
        ]
    }

    @Test("a worker cut off mid-batch: another takes its jobs within the bound, its handlers stop, its late commits are fenced, nothing is lost or doubled")
    func cutOffWorkerIsTakenOverAndFenced() async throws {
        try await TestDatabase.withFresh(migrated: true) { (configuration: PostgresConfiguration) async throws in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            let jobs = try await Self.enqueue(on: JobQueue(pool: pool))
            let (cutOff, takeover) = try await withFreezableProxy(to: configuration) { (proxy: FreezableProxy) async throws -> (Int, Int) in
                try await withProcessGroup { (processes: ProcessGroup) async throws -> (Int, Int) in
                    try await Self.partition(jobs, pool: pool, configuration: configuration, proxy: proxy, processes: processes)
                }
            }
            try await Self.expectEachJobDoneOnce(jobs, pool: pool, cutOff: cutOff, takeover: takeover)
        }
    }

    @Test("SIGTERM to a worker cut off mid-batch: it exits 0 within shutdown's bounded waits")
    func cutOffWorkerStopsOnSigterm() async throws {
        try await TestDatabase.withFresh(migrated: true) { (configuration: PostgresConfiguration) async throws in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            // The handlers are still running when shutdown's grace period ends, under
            // leases the worker still vouches for: the cut comes right after a
            // heartbeat, and the grace period is shorter than what remains of a lease.
            let lease = Duration.seconds(6)
            _ = try await JobQueue(pool: pool).enqueueBulk((0..<2).map { _ in
                NewJob(kind: "probe", payload: #"{"ms": 60000}"#, queue: "partition", lease: lease)
            })
            let grace = Duration.seconds(2)
            let writeTimeout = Worker.Configuration().shutdownWriteTimeout
            let cutLimit = PostgresPool.cancelAnswerLimit
            // Every wait of shutdown, one after the other: the run finisher's pass and
            // the claim in flight, each cut when its cancel goes unanswered; the grace
            // period; giving the running jobs back (the write timeout, then cut); the
            // loops' statements, cut; the last completions (the write timeout, then cut);
            // the registry's heartbeat, cut, and its last write (stopped: its timeout, then cut).
            let registryStop = ProcessRegistration.Configuration().stopWriteTimeout + cutLimit
            let shutdownBound = cutLimit + cutLimit + grace + (writeTimeout + cutLimit) + cutLimit + (writeTimeout + cutLimit)
                + cutLimit + registryStop + Self.margin
            try await withFreezableProxy(to: configuration) { (proxy: FreezableProxy) async throws in
                try await withProcessGroup { (processes: ProcessGroup) async throws in
                    let worker = await processes.start(
                        "partition-sigterm", Self.workerArguments(grace: grace), environment: ["DATABASE_URL": try TestDatabase.url(of: proxy.route(configuration))])
                    let pid = Int(try #require(worker.processID))
                    // A heartbeat extended both leases: the worker got the claim's answer and
                    // runs the handlers (a claim whose answer the cut holds leaves the worker
                    // with nothing to give back, which would not test that).
                    try #require(try await eventually(timeout: .seconds(60)) {
                        try await pool.query(LeaseQueries.extendedByAHeartbeat(pid: pid)).single(Int.self) == 2
                    })
                    try await proxy.freeze()
                    worker.signal(SIGTERM)
                    #expect(try await eventually(timeout: shutdownBound) { worker.exitCode != nil },
                            "the worker cut off did not exit within \(shutdownBound) of SIGTERM")
                    #expect(worker.exitCode == .some(0))
                }
            }
        }
    }

    @Test("SIGTERM while the network holds a claim's answer: once it comes, the jobs are given back, not left running")
    func claimAnsweredAfterSigtermIsGivenBack() async throws {
        try await TestDatabase.withFresh(migrated: true) { (configuration: PostgresConfiguration) async throws in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            // A lease longer than the test: a job left running stays so, and shows.
            _ = try await JobQueue(pool: pool).enqueueBulk((0..<2).map { _ in
                NewJob(kind: "probe", payload: #"{"ms": 60000}"#, queue: "partition", lease: .seconds(120))
            })
            try await withFreezableProxy(to: configuration) { (proxy: FreezableProxy) async throws in
                // The claim as sent, with its binds (the migrations' text names the function too).
                try await proxy.freeze(afterClientSends: "FROM benefit.claim_jobs_with_timeouts($1")
                try await withProcessGroup { (processes: ProcessGroup) async throws in
                    let worker = await processes.start(
                        "partition-claim", Self.workerArguments(logLevel: "debug"),
                        environment: ["DATABASE_URL": try TestDatabase.url(of: proxy.route(configuration))])
                    let pid = Int(try #require(worker.processID))
                    try #require(try await proxy.waitUntilFrozen(timeout: .seconds(60)), "the worker never claimed")
                    // The server claimed both; the worker has not heard.
                    try #require(try await eventually(timeout: .seconds(10)) {
                        try await pool.query(
                            "SELECT count(*) FROM benefit.job_attempt WHERE pid = \(pid) AND outcome = 'running'").single(Int.self) == 2
                    })
                    worker.signal(SIGTERM)
                    // The worker's shutdown has begun (service-lifecycle says so just before
                    // it tells the worker), so its claim is cancelled: the answer comes after.
                    try #require(try await eventually(timeout: .seconds(10)) {
                        (try? String(contentsOfFile: worker.logPath, encoding: .utf8))?.split(separator: "\n").contains {
                            $0.contains("sl-service=BenefitQueue.Worker") && $0.hasSuffix("Triggering graceful shutdown for service")
                        } ?? false
                    })
                    try await proxy.thaw()
                    let bound = Self.gracePeriod + Worker.Configuration().shutdownWriteTimeout + Self.margin
                    #expect(try await eventually(timeout: bound) { worker.exitCode != nil }, "the worker did not exit on SIGTERM")
                    #expect(worker.exitCode == .some(0))
                }
            }
            let states = try await pool.query("SELECT state, attempt FROM benefit.job ORDER BY id").decode((String, Int).self)
            #expect(states.map(\.0) == ["available", "available"], "claimed as shutdown began, the jobs must be given back")
            #expect(states.map(\.1) == [0, 0], "a released attempt is not counted")
            let released = try await pool.query(
                "SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'released'").single(Int.self)
            #expect(released == 2)
        }
    }

    private static func enqueue(on queue: JobQueue) async throws -> Jobs {
        func probe(_ payload: String) async throws -> Int {
            try await queue.enqueue(NewJob(kind: "probe", payload: payload, queue: "partition", lease: lease)).id
        }
        var jobs = Jobs(trigger: try await probe(#"{"ms": \#(triggerMilliseconds)}"#))
        for _ in 0..<3 {
            jobs.yielding.append(try await probe(#"{"ms": \#(yieldingMilliseconds)}"#))
            jobs.stubborn.append(try await probe(#"{"ms": \#(stubbornMilliseconds), "stubborn": true}"#))
        }
        return jobs
    }

    /// Worker A runs the jobs through the proxy until the network goes in its
    /// first commit; worker B takes over; the network comes back. Returns A's and B's process ids.
    private static func partition(
        _ jobs: Jobs, pool: PostgresPool, configuration: PostgresConfiguration, proxy: FreezableProxy, processes: ProcessGroup
    ) async throws -> (Int, Int) {
        // The statement as sent, with its binds: the worker's migration check at
        // start sends the migrations' text, which names the function too.
        try await proxy.freeze(afterClientSends: "SELECT benefit.open_fenced_commit($1, $2, $3)")
        let cutOff = await processes.start(
            "partition-a", workerArguments(), environment: ["DATABASE_URL": try TestDatabase.url(of: proxy.route(configuration))])
        let cutOffPID = Int(try #require(cutOff.processID))
        try #require(try await proxy.waitUntilFrozen(timeout: .seconds(60)), "worker A never began a commit")
        let frozenAt = ContinuousClock.now

        // A held every job when the network went; the first was inside its fenced
        // commit, its session idle in the transaction and its job row locked.
        let held = try await pool.query(
            "SELECT count(*) FROM benefit.job_attempt WHERE pid = \(cutOffPID) AND outcome = 'running'").single(Int.self)
        try #require(held == jobs.all.count, "worker A must hold every job when it is cut off")
        let openCommit = try await openCommitSession(pool)

        let takeover = await processes.start(
            "partition-b", workerArguments(), environment: ["DATABASE_URL": try TestDatabase.url(of: configuration)])
        let takeoverPID = Int(try #require(takeover.processID))

        // The server ends the cut-off commit's session within its lease, which frees the job row.
        if let openCommit {
            #expect(try await eventually(timeout: remaining(frozenAt + lease + margin)) {
                try await pool.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(openCommit)").single(Int.self) == 0
            }, "the session of the cut-off commit outlived its lease")
        }
        // B holds every job within the bound.
        #expect(try await eventually(timeout: remaining(frozenAt + takeoverBound)) {
            try await pool.query("""
                SELECT count(DISTINCT job_id) FROM benefit.job_attempt WHERE pid = \(takeoverPID) AND job_id = ANY(\(jobs.all))
                """).single(Int.self) == jobs.all.count
        }, "worker B did not take every job within \(takeoverBound)")

        try await expectHandlersStopped(jobs, on: cutOff)
        try await proxy.thaw()
        // The stubborn handlers wake, with the network back, and try their commits: refused.
        for job in jobs.stubborn {
            #expect(try await eventually(timeout: .seconds(60)) {
                endDurations(cutOff, job: job).contains { $0 >= stubbornMilliseconds }
            }, "job \(job)'s stubborn handler on worker A never ended")
            #expect(log(cutOff, job: job, saying: "commit refused: this worker gave the lease up").count == 1,
                    "job \(job)'s stubborn handler on worker A did not try its commit")
        }
        #expect(try await eventually(timeout: .seconds(60)) {
            try await pool.query("SELECT count(*) FROM benefit.job WHERE state = 'succeeded'").single(Int.self) == jobs.all.count
        })
        #expect(cutOff.exitCode == nil && takeover.exitCode == nil, "workers must not crash on a partition")

        // Both stop on SIGTERM with nothing left to run, within the grace period and shutdown's writes.
        for worker in [cutOff, takeover] {
            worker.signal(SIGTERM)
            let bound = gracePeriod + Worker.Configuration().shutdownWriteTimeout + margin
            #expect(try await eventually(timeout: bound) { worker.exitCode != nil }, "\(worker.name) did not exit on SIGTERM")
            #expect(worker.exitCode == .some(0), "\(worker.name) exit code")
        }
        return (cutOffPID, takeoverPID)
    }

    /// The backend of the commit the network was cut in, idle inside its transaction.
    private static func openCommitSession(_ pool: PostgresPool) async throws -> Int? {
        var session: Int?
        #expect(try await eventually(timeout: .seconds(5)) {
            session = try await pool.query("""
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE '%open_fenced_commit%'
                """).first(Int.self)
            return session != nil
        }, "no session idle in the cut-off commit")
        return session
    }

    /// A stopped its handlers when it gave their leases up: the yielding ones ended
    /// long before their sleep would have, the stubborn ones were told and sleep on.
    private static func expectHandlersStopped(_ jobs: Jobs, on cutOff: ProcessGroup.Handle) async throws {
        for job in jobs.yielding + jobs.stubborn {
            #expect(try await eventually(timeout: .seconds(5)) {
                !log(cutOff, job: job, saying: "lease lost: handler stopped").isEmpty
            }, "worker A did not log stopping job \(job)'s handler")
        }
        for job in jobs.yielding {
            #expect(try await eventually(timeout: .seconds(5)) {
                endDurations(cutOff, job: job).contains { $0 < yieldingMilliseconds }
            }, "job \(job)'s handler on worker A did not end when stopped")
        }
        for job in jobs.stubborn {
            #expect(endDurations(cutOff, job: job).isEmpty && log(cutOff, job: job, saying: "commit refused: this worker gave the lease up").isEmpty,
                    "job \(job)'s stubborn handler ended before the network came back: its late commit came during the cut")
        }
    }

    /// Every job succeeded exactly once, its effect written under its succeeding
    /// attempt's lease, by B; A wrote nothing and none of its attempts passes for a success.
    private static func expectEachJobDoneOnce(_ jobs: Jobs, pool: PostgresPool, cutOff: Int, takeover: Int) async throws {
        let (effects, distinctJobs) = try await pool.query(
            "SELECT count(*), count(DISTINCT job_id) FROM benefit.probe_effect").single((Int, Int).self)
        #expect(effects == jobs.all.count)
        #expect(distinctJobs == jobs.all.count)
        let underSucceedingLease = try await pool.query("""
            SELECT count(*) FROM benefit.probe_effect e
            JOIN benefit.job_attempt a ON a.lease_token = e.lease_token AND a.job_id = e.job_id
            WHERE a.outcome = 'succeeded' AND a.pid = \(takeover)
            """).single(Int.self)
        #expect(underSucceedingLease == jobs.all.count)
        let succeededAttempts = try await pool.query(
            "SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'succeeded'").single(Int.self)
        #expect(succeededAttempts == jobs.all.count)
        let fromCutOff = try await pool.query("""
            SELECT count(*) FROM benefit.probe_effect e JOIN benefit.job_attempt a ON a.lease_token = e.lease_token
            WHERE a.pid = \(cutOff)
            """).single(Int.self)
        #expect(fromCutOff == 0)
        let cutOffOutcomes = try await pool.query("""
            SELECT outcome, count(*) FROM benefit.job_attempt WHERE pid = \(cutOff) GROUP BY outcome ORDER BY outcome
            """).decode((String, Int).self)
        #expect(cutOffOutcomes.allSatisfy { ["lease_expired", "fenced"].contains($0.0) }, "worker A's attempts: \(cutOffOutcomes)")
        #expect(cutOffOutcomes.map(\.1).reduce(0, +) == jobs.all.count)
        let open = try await pool.query("SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'running'").single(Int.self)
        #expect(open == 0)
    }

    /// The time left until `deadline`, never negative.
    private static func remaining(_ deadline: ContinuousClock.Instant) -> Duration {
        max(.zero, deadline - ContinuousClock.now)
    }

    /// A worker's log lines about one job that say `message`.
    private static func log(_ worker: ProcessGroup.Handle, job: Int, saying message: String) -> [Substring] {
        let text = (try? String(contentsOfFile: worker.logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { line in
            line.hasSuffix("] \(message)") && line.split(separator: " ").contains("job_id=\(job)")
        }
    }

    /// How long each of a worker's attempts on a job that ended as `lease_expired` had run, in milliseconds.
    private static func endDurations(_ worker: ProcessGroup.Handle, job: Int) -> [Int] {
        log(worker, job: job, saying: "job lease_expired").compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("duration_ms=") }.flatMap { Int($0.dropFirst("duration_ms=".count)) }
        }
    }
}
