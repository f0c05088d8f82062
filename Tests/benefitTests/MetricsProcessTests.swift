import BenefitCore
import BenefitMigrations
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `--metrics-address` on real `benefit worker` and `benefit scheduler` processes:
/// what `/metrics` says against what the database holds, and `/readyz` across a
/// database outage (docs/operations.md, Metrics).
@Suite("Metrics and health endpoints")
struct MetricsProcessTests {
    /// `/metrics` of the process listening on `port`, read strictly.
    static func metrics(_ port: Int) async throws -> PrometheusText {
        let answer = try await HTTPProbe.get(port: port, path: "/metrics")
        #expect(answer.status == 200)
        return try PrometheusText(parsing: answer.body)
    }

    /// The status `/readyz` answers on `port`, nil when nothing answers.
    static func readiness(_ port: Int) async -> Int? {
        try? await HTTPProbe.get(port: port, path: "/readyz").status
    }

    static func count(_ pool: PostgresPool, _ query: PostgresQuery) async throws -> Int {
        try await pool.query(query).single(Int.self)
    }

    @Test("two workers and a scheduler: /metrics parses, its counters match the database, and a forced takeover's fenced commit is counted")
    func countersMatchTheDatabase() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { owner.close() }
            let queue = JobQueue(pool: owner)
            try await TestDatabase.withLogins([.worker], on: configuration) { logins in
                let environment = ["DATABASE_URL": try TestDatabase.url(of: logins[.worker]!)]
                let (portA, portB, portScheduler) = (try PortProbe.freePort(), try PortProbe.freePort(), try PortProbe.freePort())
                func worker(_ port: Int) -> [String] {
                    ["worker", "--queues", "default,fence", "--concurrency", "4", "--poll-interval", "100ms",
                     "--metrics-address", "127.0.0.1:\(port)", "--log-level", "warning"]
                }
                try await withProcessGroup { (processes: ProcessGroup) async throws in
                    let workerA = await processes.start("metrics-a", worker(portA), environment: environment)
                    let scheduler = await processes.start("metrics-scheduler", [
                        "scheduler", "--queue-depth-interval", "1s", "--metrics-address", "127.0.0.1:\(portScheduler)", "--log-level", "warning",
                    ], environment: environment)
                    #expect(try await eventually { await Self.readiness(portA) == 200 }, "\(workerA.logTail())")
                    #expect(try await eventually { await Self.readiness(portScheduler) == 200 }, "\(scheduler.logTail())")

                    // A forced takeover: A runs a handler that ignores being stopped and then
                    // tries its commit anyway; A is frozen past the job's lease, B's rescuer
                    // takes the job and B runs it; thawed, A's late commit is fenced. The
                    // lease leaves B's heartbeats (every 2 s) 4 s of slack on a loaded
                    // machine, where a 2 s lease lost B every attempt too.
                    let stubborn = try await queue.enqueue(NewJob(
                        kind: "probe", payload: #"{"ms": 8000, "stubborn": true}"#, queue: "fence", lease: .seconds(6))).id
                    let pidA = Int(try #require(workerA.processID))
                    #expect(try await eventually { try await Self.count(owner, LeaseQueries.extendedByAHeartbeat(pid: pidA)) == 1 })
                    workerA.signal(SIGSTOP)
                    let workerB = await processes.start("metrics-b", worker(portB), environment: environment)
                    #expect(try await eventually(timeout: .seconds(60)) {
                        try await queue.state(of: stubborn) == .succeeded
                    }, "\(workerB.logTail())")
                    workerA.signal(SIGCONT)

                    // Ordinary work for both, and one job that dies.
                    try await queue.enqueueBulk((0..<300).map { _ in NewJob(kind: "noop") })
                    let doomed = try await queue.enqueue(NewJob(kind: "probe", payload: #"{"failAttempts": 1, "permanent": true}"#)).id
                    #expect(try await eventually(timeout: .seconds(60)) {
                        let succeeded = try await Self.count(owner, "SELECT count(*) FROM benefit.jobs WHERE state = 'succeeded'")
                        let doomedState = try await queue.state(of: doomed)
                        return succeeded == 301 && doomedState == .dead
                    })

                    // Counters match the database once the last ends are reported.
                    let succeeded = try await Self.count(owner, "SELECT count(*) FROM benefit.jobs WHERE state = 'succeeded'")
                    var a = try await Self.metrics(portA), b = try await Self.metrics(portB)
                    #expect(try await eventually {
                        a = try await Self.metrics(portA)
                        b = try await Self.metrics(portB)
                        let finished = a.sum("benefit_jobs_finished_total", matching: ["outcome": "succeeded"])
                            + b.sum("benefit_jobs_finished_total", matching: ["outcome": "succeeded"])
                        return Int(finished) == succeeded && a.value("benefit_fenced_commits_total") == 1
                    }, "finished: \(a.sum("benefit_jobs_finished_total", matching: ["outcome": "succeeded"])) + \(b.sum("benefit_jobs_finished_total", matching: ["outcome": "succeeded"])) of \(succeeded); fenced on A: \(String(describing: a.value("benefit_fenced_commits_total")))")
                    #expect(a.types["benefit_jobs_finished_total"] == "counter")
                    #expect(a.types["benefit_job_duration_seconds"] == "histogram")
                    #expect(a.types["benefit_worker_jobs_in_flight"] == "gauge")
                    #expect(b.value("benefit_fenced_commits_total") == 0)
                    // A's attempt at the stubborn job ended without its effects; B's succeeded.
                    let fenceOutcomesA = a.sum("benefit_jobs_finished_total", matching: ["queue": "fence", "outcome": "fenced"])
                        + a.sum("benefit_jobs_finished_total", matching: ["queue": "fence", "outcome": "lease_expired"])
                    #expect(fenceOutcomesA == 1)
                    #expect(b.value("benefit_jobs_finished_total", ["queue": "fence", "kind": "probe", "outcome": "succeeded"]) == 1)
                    #expect(a.sum("benefit_jobs_finished_total", matching: ["outcome": "dead"])
                        + b.sum("benefit_jobs_finished_total", matching: ["outcome": "dead"]) == 1)
                    // The rescuer's takeover: one expired lease, taken by B (A was frozen).
                    #expect(b.value("benefit_leases_expired_total") == 1)
                    #expect(a.value("benefit_leases_expired_total") == 0)
                    #expect((a.value("benefit_leases_extended_total") ?? 0) >= 1)
                    // Every job's duration was recorded once.
                    let durations = a.sum("benefit_job_duration_seconds_count") + b.sum("benefit_job_duration_seconds_count")
                    let attempts = try await Self.count(owner, "SELECT count(*) FROM benefit.job_attempt")
                    #expect(Int(durations) == attempts)
                    #expect(a.value("benefit_worker_jobs_in_flight") == 0 && a.value("benefit_worker_free_slots") == 4)
                    #expect(a.value("benefit_database_reconnects_total") == 0)
                    #expect(a.sum("benefit_claim_batch_size_count") >= 1)

                    // The leading scheduler counts the queues.
                    var s = try await Self.metrics(portScheduler)
                    #expect(try await eventually {
                        s = try await Self.metrics(portScheduler)
                        return s.value("benefit_queue_jobs", ["queue": "default", "state": "dead"]) == 1
                            && s.value("benefit_queue_jobs", ["queue": "default", "state": "available"]) == 0
                    }, "\(s.samples.filter { $0.name.hasPrefix("benefit_queue") })")
                    #expect(s.value("benefit_scheduler_leader") == 1)
                    #expect(s.value("benefit_scheduler_runs_created_total") == 0)
                    #expect(s.value("benefit_queue_jobs", ["queue": "default", "state": "running"]) == 0)
                    #expect(s.value("benefit_queue_oldest_available_age_seconds", ["queue": "default"]) == 0)
                    // Workers do not count the queues.
                    #expect(!a.samples.contains { $0.name.hasPrefix("benefit_queue_") })

                    for process in [workerA, workerB, scheduler] {
                        #expect(await processes.terminate(process) == 0, "\(process.logTail())")
                    }
                }
            }
        }
    }

    @Test("the leading scheduler counts the runs it creates at fire times, as many as the database holds")
    func runsCreatedAreCounted() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "metrics-minutely", program: "drill", cron: "* * * * *", catchUp: "all", overlap: "allow",
                queue: "metrics-runs", parameters: "{ members: 1 }"), on: pool)
            let start = try Date("2030-06-01T08:00:30Z", strategy: .iso8601)
            try await pool.query("UPDATE benefit.campaign SET scheduled_through = \(start)")
            let clockFile = try TemporaryFiles.write("2030-06-01T08:00:30Z", named: "metrics-clock")
            let port = try PortProbe.freePort()
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let scheduler = await processes.start("metrics-runs", [
                    "scheduler", "--tick", "50ms", "--clock-file", clockFile, "--metrics-address", "127.0.0.1:\(port)", "--log-level", "warning",
                ], environment: ["DATABASE_URL": try TestDatabase.url(of: configuration)])
                #expect(try await eventually { await Self.readiness(port) == 200 }, "\(scheduler.logTail())")
                // Three fire times pass (08:01, 08:02, 08:03).
                try SchedulerProcessTests.setClock(clockFile, start.addingTimeInterval(180))
                var metrics = try await Self.metrics(port)
                #expect(try await eventually {
                    metrics = try await Self.metrics(port)
                    return metrics.value("benefit_scheduler_runs_created_total") == 3
                }, "\(metrics.samples.filter { $0.name.hasPrefix("benefit_scheduler") })")
                #expect(try await Self.count(pool, "SELECT count(*) FROM benefit.run") == 3)
                #expect(metrics.value("benefit_scheduler_leader") == 1)
            }
        }
    }

    @Test("/readyz turns unready when PostgreSQL stops and ready again once it is back; /healthz answers throughout")
    func readinessFollowsTheDatabase() async throws {
        try await ThrowawayCluster.with { cluster in
            let configuration = cluster.configuration
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            try await pool.withConnection { try await Migrator(migrations: try Migration.bundled()).migrate(on: $0) }
            pool.close()
            let environment = ["DATABASE_URL": configuration.secretConnectionString]
            let (workerPort, schedulerPort) = (try PortProbe.freePort(), try PortProbe.freePort())
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let worker = await processes.start("ready-worker", [
                    "worker", "--poll-interval", "200ms", "--metrics-address", "127.0.0.1:\(workerPort)", "--log-level", "error",
                ], environment: environment)
                let scheduler = await processes.start("ready-scheduler", [
                    "scheduler", "--metrics-address", "127.0.0.1:\(schedulerPort)", "--log-level", "error",
                ], environment: environment)
                let ports = [workerPort, schedulerPort]
                for port in ports {
                    #expect(try await eventually { await Self.readiness(port) == 200 }, "\(worker.logTail())\n\(scheduler.logTail())")
                }

                try await cluster.stopServer()
                for port in ports {
                    #expect(try await eventually { await Self.readiness(port) == 503 }, "port \(port)")
                    #expect(try await HTTPProbe.get(port: port, path: "/healthz").status == 200)
                }
                let unready = try await HTTPProbe.get(port: workerPort, path: "/readyz").body
                #expect(unready.hasPrefix("not ready: ") && unready.contains("PostgreSQL does not answer"), "\(unready)")

                try await cluster.startAgain()
                for port in ports {
                    #expect(try await eventually(timeout: .seconds(60)) { await Self.readiness(port) == 200 }, "port \(port)")
                }
                // The worker's pool replaced the connections the stop broke.
                #expect(try await Self.metrics(workerPort).value("benefit_database_reconnects_total") ?? 0 >= 1)
                #expect(worker.exitCode == nil && scheduler.exitCode == nil)
                #expect(await processes.terminate(worker) == 0, "\(worker.logTail())")
                #expect(await processes.terminate(scheduler) == 0, "\(scheduler.logTail())")
            }
        }
    }
}
