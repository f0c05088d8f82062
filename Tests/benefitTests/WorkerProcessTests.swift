import BenefitCore
import BenefitMigrations
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit worker` as real processes: kill -9, SIGTERM, a server restart.
@Suite("Worker processes")
struct WorkerProcessTests {
    private static func count(_ pool: PostgresPool, _ query: PostgresQuery) async throws -> Int {
        try await pool.query(query).single(Int.self)
    }

    @Test("kill -9 of a worker, twice, loses and duplicates nothing")
    func killNineLosesNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            let queue = JobQueue(pool: pool)
            try await queue.enqueueBulk((0..<5_000).map { _ in
                NewJob(kind: "probe", payload: #"{"ms": 3}"#, queue: "kill", lease: .seconds(2))
            })
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let arguments = ["worker", "--queues", "kill", "--concurrency", "8", "--poll-interval", "200ms", "--log-level", "warning"]
            let succeeded: PostgresQuery = "SELECT count(*) FROM benefit.job WHERE state = 'succeeded'"
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                var victim = await processes.start("kill-a", arguments, environment: environment)
                await processes.start("kill-b", arguments, environment: environment)
                await processes.start("kill-c", arguments, environment: environment)
                for threshold in [1_000, 2_500] {
                    #expect(try await eventually(timeout: .seconds(60)) { try await Self.count(pool, succeeded) >= threshold })
                    await processes.kill9(victim)
                    victim = await processes.start("kill-again-\(threshold)", arguments, environment: environment)
                }
                #expect(try await eventually(timeout: .seconds(120)) { try await Self.count(pool, succeeded) == 5_000 })
            }
            let (effects, distinctJobs) = try await pool.query(
                "SELECT count(*), count(DISTINCT job_id) FROM benefit.probe_effect").single((Int, Int).self)
            #expect(effects == 5_000)
            #expect(distinctJobs == 5_000)
            // Every claim wrote its attempt row in the same statement, and none is left open.
            let (attemptRows, claims, open) = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.job_attempt), (SELECT sum(attempt) FROM benefit.job),
                       (SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'running')
                """).single((Int, Int, Int).self)
            #expect(attemptRows == claims)
            #expect(open == 0)
            #expect(try await Self.count(pool, "SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'lease_expired'") >= 1)
        }
    }

    @Test("SIGTERM during work: exit 0, running jobs finish within the grace period or are released")
    func sigtermFinishesOrReleases() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            let queue = JobQueue(pool: pool)
            var short: [Int] = [], long: [Int] = []
            // Leases short enough that a heartbeat comes soon (a third of the lease), long
            // enough that a heartbeat late by seconds on a loaded machine does not lose one.
            func sleep(_ ms: Int) -> NewJob { NewJob(kind: "sleep", payload: #"{"ms": \#(ms)}"#, queue: "term", lease: .seconds(15)) }
            for _ in 0..<2 { short.append(try await queue.enqueue(sleep(10_000)).id) }
            for _ in 0..<2 { long.append(try await queue.enqueue(sleep(60000)).id) }
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let code = try await withProcessGroup { (processes: ProcessGroup) async throws in
                let worker = await processes.start(
                    "term", ["worker", "--queues", "term", "--concurrency", "4", "--grace-period", "20s"], environment: environment)
                // The worker claims all four at once; the short ones run 10 s, so SIGTERM finds them in flight.
                // Waits for a heartbeat to have extended all four: the jobs show running as
                // soon as the claim commits, before the worker has its answer, and a SIGTERM
                // then finds nothing in flight (the claim's jobs are given back unrun).
                #expect(try await eventually(timeout: .seconds(60)) {
                    try await Self.count(pool, LeaseQueries.extendedByAHeartbeat()) == 4
                })
                return await processes.terminate(worker)
            }
            #expect(code == 0)
            let states = try await pool.query("SELECT id, state, attempt FROM benefit.job ORDER BY id").decode((Int, String, Int).self)
            for (id, state, attempt) in states {
                if short.contains(id) {
                    #expect(state == "succeeded", "job \(id)")
                } else {
                    #expect(state == "available", "job \(id)")
                    #expect(attempt == 0, "a released attempt is not counted")
                }
            }
            let released = try await pool.query("""
                SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'released' AND job_id = ANY(\(long))
                """).single(Int.self)
            #expect(released == 2)
        }
    }

    @Test("pg_ctl restart -m immediate while two workers run 2,000 jobs: all finish, none duplicated")
    func workersSurviveAnImmediateRestart() async throws {
        try await ThrowawayCluster.with { cluster in
            let configuration = cluster.configuration
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            try await pool.withConnection { try await Migrator(migrations: try Migration.bundled()).migrate(on: $0) }
            try await JobQueue(pool: pool).enqueueBulk((0..<2_000).map { _ in
                NewJob(kind: "probe", payload: #"{"ms": 5}"#, queue: "restart", lease: .seconds(3))
            })
            let environment = ["DATABASE_URL": configuration.secretConnectionString]
            let arguments = ["worker", "--queues", "restart", "--concurrency", "8", "--poll-interval", "200ms", "--log-level", "warning"]
            let succeeded: PostgresQuery = "SELECT count(*) FROM benefit.job WHERE state = 'succeeded'"
            let codes = try await withProcessGroup { (processes: ProcessGroup) async throws in
                let first = await processes.start("restart-a", arguments, environment: environment)
                let second = await processes.start("restart-b", arguments, environment: environment)
                #expect(try await eventually(timeout: .seconds(60)) { try await Self.count(pool, succeeded) >= 500 })
                try await cluster.restartImmediately()
                let allDone = try await eventually(timeout: .seconds(120)) {
                    (try? await Self.count(pool, succeeded)) == 2_000
                }
                #expect(allDone)
                #expect(first.exitCode == nil && second.exitCode == nil, "workers must not crash on a restart")
                return [await processes.terminate(first), await processes.terminate(second)]
            }
            #expect(codes == [0, 0])
            let (effects, distinctJobs) = try await pool.query(
                "SELECT count(*), count(DISTINCT job_id) FROM benefit.probe_effect").single((Int, Int).self)
            #expect(effects == 2_000)
            #expect(distinctJobs == 2_000)
        }
    }
}
