import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit.processes` as operators read it, with the daemons in processes of their own.
@Suite("Process registry")
struct ProcessRegistryTests {
    private struct Row: Equatable {
        let role: String, name: String, pid: Int, state: String, leader: Bool, queues: [String], concurrency: Int?
    }

    private static func rows(_ pool: PostgresPool) async throws -> [String: Row] {
        let rows = try await pool.query("""
            SELECT role, name, pid, state, leader, queues, concurrency FROM benefit.processes ORDER BY process_id
            """).decode((String, String, Int, String, Bool, [String], Int?).self)
        return Dictionary(rows.map { ($0.1, Row(role: $0.0, name: $0.1, pid: $0.2, state: $0.3, leader: $0.4, queues: $0.5, concurrency: $0.6)) }) { $1 }
    }

    @Test("workers and a scheduler register; the leader is marked; kill -9 shows gone, SIGTERM draining then stopped")
    func registryFollowsTheDaemons() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let beat = ["--process-heartbeat", "100ms", "--log-level", "warning"]
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let killed = await processes.start(
                    "reg-killed", ["worker", "--name", "reg-killed", "--queues", "reg,other", "--concurrency", "3"] + beat,
                    environment: environment)
                let drained = await processes.start(
                    "reg-drained", ["worker", "--name", "reg-drained", "--queues", "reg", "--grace-period", "60s"] + beat,
                    environment: environment)
                await processes.start("reg-scheduler", ["scheduler", "--name", "reg-scheduler", "--tick", "50ms"] + beat, environment: environment)

                #expect(try await eventually(timeout: .seconds(60)) {
                    let rows = try await Self.rows(pool)
                    return rows["reg-killed"]?.state == "running" && rows["reg-drained"]?.state == "running"
                        && rows["reg-scheduler"]?.leader == true
                })
                let rows = try await Self.rows(pool)
                #expect(rows["reg-killed"] == Row(
                    role: "worker", name: "reg-killed", pid: Int(killed.processID ?? 0), state: "running", leader: false,
                    queues: ["reg", "other"], concurrency: 3))
                #expect(rows["reg-scheduler"]?.role == "scheduler")
                #expect(rows["reg-scheduler"]?.queues == [])

                // Gone within three missed heartbeats of a kill -9; never stopped (nothing said so).
                await processes.kill9(killed)
                #expect(try await eventually(timeout: .seconds(30)) { try await Self.rows(pool)["reg-killed"]?.state == "gone" })

                // A job that runs for a while: SIGTERM finds it in flight, the worker drains (8 s: long
                // enough for the test's own polls to see it draining under the whole suite's load; its
                // lease, 6 s, outlasts a heartbeat or two made late by that load).
                let job = try await queue.enqueue(NewJob(kind: "sleep", payload: #"{"ms": 8000}"#, queue: "reg", lease: .seconds(6)))
                // In flight means its handler runs: a heartbeat has extended the lease the
                // claim gave. The attempt's row alone is not enough: it commits before the
                // claim's answer reaches the worker, and a SIGTERM between the two gives the
                // job back unrun, as a claim that crosses the start of a shutdown should.
                #expect(try await eventually(timeout: .seconds(30)) {
                    try await pool.query(LeaseQueries.extendedByAHeartbeat(pid: Int(drained.processID ?? 0))).single(Int.self) == 1
                })
                drained.signal(SIGTERM)
                #expect(try await eventually(timeout: .seconds(30)) { try await Self.rows(pool)["reg-drained"]?.state == "draining" })
                #expect(await drained.waitForExit() == 0)
                #expect(try await Self.rows(pool)["reg-drained"]?.state == "stopped")
                let attempts = try await pool.query(
                    "SELECT outcome || coalesce(': ' || error, '') FROM benefit.job_attempt WHERE job_id = \(job.id) ORDER BY attempt"
                ).decode(String.self)
                #expect(try await pool.query("SELECT state FROM benefit.job WHERE id = \(job.id)").single(String.self) == "succeeded",
                        "the drained job's attempts: \(attempts)")
            }
        }
    }

    @Test("a heartbeat or stop needs the row's secret; pruning deletes long-silent rows and keeps recent ones")
    func rowsAreChangedOnlyByTheirProcess() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let (id, _) = try await pool.query("""
                SELECT * FROM benefit.register_process('worker', 'w', 'h', 1, 'v', ARRAY['q'], 2, interval '1 hour')
                """).single((Int, String).self)
            #expect(try await pool.query("SELECT benefit.process_stopped(\(id), gen_random_uuid())").single(Bool.self) == false)
            #expect(try await pool.query("SELECT benefit.process_heartbeat(\(id), gen_random_uuid(), 'draining')").single(Bool.self) == false)
            // A row silent for two hours goes with a retention of one hour (the least it takes); a recent one stays.
            let (old, _) = try await pool.query("""
                SELECT * FROM benefit.register_process('worker', 'old', 'h', 2, 'v', ARRAY['q'], 2, interval '1 minute')
                """).single((Int, String).self)
            try await pool.query("UPDATE benefit.process SET last_heartbeat_at = now() - interval '2 hours' WHERE id = \(old)")
            #expect(try await pool.query("SELECT benefit.prune_processes(interval '1 second')").single(Int.self) == 1)
            #expect(try await pool.query("SELECT process_id FROM benefit.processes").decode(Int.self) == [id])
            #expect(try await pool.query("SELECT state FROM benefit.processes WHERE process_id = \(id)").single(String.self) == "running")
        }
    }
}
