import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Workers whose database stalls, or who stall themselves: every wait is bounded
/// (docs/operations.md, "Timeouts").
@Suite("Bounded waits: stalled databases and frozen workers")
struct BoundedWaitProcessTests {
    /// The sessions of the test's database waiting for a lock while running a
    /// statement that contains `statement` (`%` for any).
    static func sessionsWaitingOnALock(_ pool: PostgresPool, running statement: String = "%") async throws -> Int {
        try await pool.query("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
              AND query LIKE '%' || \(statement) || '%'
            """).single(Int.self)
    }

    /// Sends SIGTERM and returns the exit code and how long the exit took.
    static func timedTerminate(_ handle: ProcessGroup.Handle, in processes: ProcessGroup) async -> (code: Int32?, took: Duration) {
        let start = ContinuousClock.now
        let code = await processes.terminate(handle)
        return (code, ContinuousClock.now - start)
    }

    @Test("SIGTERM honours the grace period while the database blocks a handler's commit and while it blocks a claim")
    func sigtermHonoursGraceWhileBlocked() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { owner.close() }
            let job = try await JobQueue(pool: owner).enqueue(NewJob(kind: "probe", queue: "blocked")).id
            try await TestDatabase.withLogins([.worker], on: configuration) { logins in
                let environment = ["DATABASE_URL": try TestDatabase.url(of: logins[.worker]!)]
                let arguments = ["worker", "--queues", "blocked", "--grace-period", "2s", "--poll-interval", "100ms"]
                // Grace 2 s, then at most 5 s to give jobs back (Worker.Configuration.shutdownWriteTimeout),
                // and a margin for a loaded machine. Unbounded, the exit would wait for the lock (30 s lock_timeout).
                let bound = Duration.seconds(2 + 5 + 4)
                let locker = try await PostgresConnection.connect(to: configuration)

                // 1. The handler's commit waits for a lock an administrator holds on the effects' table.
                try await locker.query("BEGIN")
                try await locker.query("LOCK TABLE benefit.probe_effect IN EXCLUSIVE MODE")
                try await withProcessGroup { (processes: ProcessGroup) async throws in
                    let worker = await processes.start("blocked-commit", arguments, environment: environment)
                    #expect(try await eventually(timeout: .seconds(30)) {
                        try await Self.sessionsWaitingOnALock(owner, running: "probe_effect") == 1
                    })
                    let (code, took) = await Self.timedTerminate(worker, in: processes)
                    #expect(code == 0)
                    #expect(took < bound, "exit took \(took)")
                    // Its statement was cancelled on the server, not left waiting.
                    #expect(try await eventually(timeout: .seconds(5)) { try await Self.sessionsWaitingOnALock(owner) == 0 })
                }
                try await locker.query("COMMIT")
                // Given back, uncounted: the next worker runs it, once.
                #expect(try await owner.query("SELECT state, attempt FROM benefit.job WHERE id = \(job)").single((String, Int).self) == ("available", 0))

                // 2. A claim waits for a lock on the queue's table (only the owner can take one).
                try await withProcessGroup { (processes: ProcessGroup) async throws in
                    let worker = await processes.start("blocked-claim", arguments, environment: environment)
                    #expect(try await eventually(timeout: .seconds(30)) {
                        try await owner.query("SELECT state FROM benefit.job WHERE id = \(job)").single(String.self) == "succeeded"
                    })
                    try await locker.query("BEGIN")
                    try await locker.query("LOCK TABLE benefit.job IN ACCESS EXCLUSIVE MODE")
                    #expect(try await eventually(timeout: .seconds(30)) {
                        try await Self.sessionsWaitingOnALock(owner, running: "claim_jobs") == 1
                    })
                    let (code, took) = await Self.timedTerminate(worker, in: processes)
                    #expect(code == 0)
                    #expect(took < bound, "exit took \(took)")
                    try await locker.query("COMMIT")
                }
                #expect(try await owner.query("SELECT count(*), count(DISTINCT job_id) FROM benefit.probe_effect").single((Int, Int).self) == (1, 1))
            }
        }
    }

    @Test("a worker frozen (SIGSTOP) inside its fenced commit delays its run by no more than its lease plus the rescue, and nothing is doubled")
    func frozenWorkerInsideItsCommit() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { owner.close() }
            let lease = Duration.seconds(4)
            // Each batch sleeps 1.5 s inside its fenced commit (the drill program's sleepMs), holding its job row.
            let campaign = try TemporaryFiles.write(
                CampaignText.yaml(name: "frozen-drill", program: "drill", batchSize: 10, lease: "4s", parameters: "{ members: 40, sleepMs: 1500 }"),
                named: "drill.yaml")
            try await TestDatabase.withLogins([.operator, .worker], on: configuration) { logins in
                let operatorEnvironment = ["DATABASE_URL": try TestDatabase.url(of: logins[.operator]!)]
                #expect(try await BenefitProcess.run(["campaign", "apply", campaign], environment: operatorEnvironment).exitCode == 0)
                let environment = ["DATABASE_URL": try TestDatabase.url(of: logins[.worker]!)]
                func arguments(_ concurrency: Int) -> [String] {
                    ["worker", "--queues", "runs", "--concurrency", "\(concurrency)", "--poll-interval", "100ms", "--log-level", "warning"]
                }
                let (heldJob, frozenPID, rescuerPID) = try await withProcessGroup { (processes: ProcessGroup) async throws -> (Int, Int, Int) in
                    let frozen = await processes.start("frozen", arguments(1), environment: environment)
                    #expect(try await BenefitProcess.run(["campaign", "trigger", "frozen-drill"], environment: operatorEnvironment).exitCode == 0)
                    // Its session idle inside a batch's fenced commit (the drill sleeps there): freeze it.
                    let inCommit: PostgresQuery = """
                        SELECT a.pid FROM pg_stat_activity a
                        WHERE a.datname = current_database() AND a.state = 'idle in transaction' AND a.backend_xid IS NOT NULL
                          AND EXISTS (SELECT 1 FROM benefit.job j WHERE j.kind = 'campaign.batch' AND j.state = 'running')
                        """
                    var found: Int32?
                    #expect(try await eventually(timeout: .seconds(30)) {
                        found = try await owner.query(inCommit).first(Int32.self)
                        return found != nil
                    })
                    frozen.signal(SIGSTOP)
                    let frozenAt = ContinuousClock.now
                    let backend = try #require(found)
                    let heldJob = try #require(try await owner.query("""
                        SELECT j.id FROM benefit.job j JOIN benefit.job_attempt a ON a.lease_token = j.lease_token
                        WHERE j.state = 'running' AND j.kind = 'campaign.batch' AND a.pid = \(Int(frozen.processID ?? 0))
                        """).first(Int.self))

                    let rescuer = await processes.start("rescuer", arguments(2), environment: environment)
                    // The server ends the frozen session once it has idled a lease inside the commit, freeing its locks
                    // (the same margin for a loaded machine as below: the full suite runs browsers and many processes).
                    #expect(try await eventually(timeout: lease + .seconds(10)) {
                        try await owner.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(backend)").single(Int.self) == 0
                    })
                    // Its job, taken over: lease (its expiry and the idle timeout run out together) + rescue
                    // pass (2 s) + claim poll + the batch's 1.5 s + a margin for a loaded machine (the whole
                    // suite's tests share this process's two cooperative threads: its polls can lag seconds).
                    let bound = lease + .seconds(2) + .milliseconds(100) + .milliseconds(1_500) + .seconds(10)
                    #expect(try await eventually(timeout: bound) {
                        try await owner.query("SELECT state FROM benefit.job WHERE id = \(heldJob)").single(String.self) == "succeeded"
                    }, "the frozen worker's job was not taken over within \(bound)")
                    #expect(ContinuousClock.now - frozenAt < bound)
                    #expect(try await eventually(timeout: .seconds(30)) {
                        try await owner.query("SELECT state FROM benefit.run").single(String.self) == "succeeded"
                    })

                    // Thawed, the frozen worker finds its lease gone: it writes nothing, and stops cleanly.
                    frozen.signal(SIGCONT)
                    #expect(await processes.terminate(frozen) == 0, "\(frozen.logTail())")
                    #expect(await processes.terminate(rescuer) == 0)
                    return (heldJob, Int(frozen.processID ?? 0), Int(rescuer.processID ?? 0))
                }
                let (effects, members) = try await owner.query("SELECT count(*), count(DISTINCT member_id) FROM benefit.drill_effect").single((Int, Int).self)
                #expect(effects == 40 && members == 40)
                let outcomes = try await owner.query("""
                    SELECT a.outcome FROM benefit.job_attempt a JOIN benefit.job j ON j.id = a.job_id
                    WHERE j.kind = 'campaign.batch' ORDER BY a.started_at
                    """).decode(String.self)
                #expect(outcomes.filter { $0 == "succeeded" }.count == 4)
                #expect(!outcomes.contains("running"))
                // The frozen worker's attempt at its job ended without its effects; the rescuer's succeeded.
                let held = try await owner.query("""
                    SELECT a.pid, a.outcome FROM benefit.job_attempt a WHERE a.job_id = \(heldJob) ORDER BY a.lease_token
                    """).decode((Int, String).self)
                #expect(held.count == 2, "\(held)")
                #expect(held.first.map { $0.0 == frozenPID && ["lease_expired", "fenced"].contains($0.1) } == true, "\(held)")
                #expect(held.last.map { $0.0 == rescuerPID && $0.1 == "succeeded" } == true, "\(held)")
            }
        }
    }
}
