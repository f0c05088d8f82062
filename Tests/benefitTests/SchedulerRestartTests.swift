import BenefitMigrations
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit scheduler` processes through immediate PostgreSQL restarts (docs/operations.md,
/// The scheduler through a database restart).
@Suite("Scheduler through a database restart")
struct SchedulerRestartTests {
    /// `query`'s count, or nil while the server is away (the test's own connections break with it).
    static func count(_ pool: PostgresPool, _ query: PostgresQuery) async -> Int? {
        try? await pool.query(query).single(Int.self)
    }

    /// Whether the runs reach `count` within a minute.
    static func runsReach(_ count: Int, _ pool: PostgresPool) async throws -> Bool {
        try await eventually(timeout: .seconds(60)) { await Self.count(pool, "SELECT count(*) FROM benefit.run") ?? 0 >= count }
    }

    /// Whether two schedulers report themselves running (since `since`, when given) within a minute.
    static func schedulersReport(since: Date?, _ pool: PostgresPool) async throws -> Bool {
        try await eventually(timeout: .seconds(60)) {
            await Self.count(pool, """
                SELECT count(*) FROM benefit.processes
                WHERE role = 'scheduler' AND state = 'running' AND last_heartbeat_at > coalesce(\(since)::timestamptz, '-infinity')
                """) == 2
        }
    }

    /// The database's clock, nil while it is away.
    static func databaseNow(_ pool: PostgresPool) async -> Date? {
        try? await pool.query("SELECT now()").single(Date.self)
    }

    /// Who holds the scheduler lease, nil while the database is away.
    static func leaseHolder(_ pool: PostgresPool) async -> String? {
        try? await pool.query("SELECT holder FROM benefit.scheduler_lease").single(String.self)
    }

    /// `benefit scheduler` quick to tick, to lose and take leadership, and to report itself, on the test's clock.
    static func scheduler(_ name: String, clockFile: String) -> [String] {
        ["scheduler", "--name", name, "--tick", "100ms", "--leader-lease", "1s", "--process-heartbeat", "200ms",
         "--clock-file", clockFile, "--log-level", "warning"]
    }

    @Test("a leader and a follower across 15 fire times, four immediate restarts and a stop across two fire times: one run per fire time, none missing, both back and registered; the follower then leads when the leader is killed")
    func immediateRestartsLoseAndDoubleNothing() async throws {
        try await ThrowawayCluster.with { cluster in
            let pool = PostgresPool(configuration: cluster.configuration, maxConnections: 2)
            defer { pool.close() }
            try await pool.withConnection { try await Migrator(migrations: try Migration.bundled()).migrate(on: $0) }
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "every-minute", program: "drill", cron: "* * * * *", catchUp: "all", overlap: "allow", parameters: "{ members: 1 }"), on: pool)
            let start = try Date("2030-06-01T08:00:30Z", strategy: .iso8601)
            try await pool.query("UPDATE benefit.campaign SET scheduled_through = \(start)")
            let clockFile = try TemporaryFiles.write("2030-06-01T08:00:30Z", named: "restart-clock")
            let environment = ["DATABASE_URL": cluster.configuration.secretConnectionString]
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let a = await processes.start("restart-a", Self.scheduler("restart-a", clockFile: clockFile), environment: environment)
                let b = await processes.start("restart-b", Self.scheduler("restart-b", clockFile: clockFile), environment: environment)
                #expect(try await Self.schedulersReport(since: nil, pool), "both schedulers register")

                for minute in 1...12 {
                    try SchedulerProcessTests.setClock(clockFile, start.addingTimeInterval(Double(minute) * 60))
                    // Right after the clock moves, while the leader may be creating that minute's run.
                    if minute % 3 == 0 { try await cluster.restartImmediately() }
                    let created = try await Self.runsReach(minute, pool)
                    #expect(created, "no run for minute \(minute)")
                    if !created { break }
                }
                // Down across two fire times: once back, the older is a missed one (catchUp: all), the newer on time.
                try await cluster.stopServer()
                try SchedulerProcessTests.setClock(clockFile, start.addingTimeInterval(14 * 60))
                try await cluster.startAgain()
                #expect(try await Self.runsReach(14, pool), "no runs for the minutes the server was down")

                // Both came back: each reports itself again since the last restart, and one leads.
                let backSince = try #require(await Self.databaseNow(pool))
                #expect(try await Self.schedulersReport(since: backSince, pool), "both schedulers report themselves again after the restarts")
                #expect(try await eventually { await Self.count(pool, "SELECT count(*) FROM benefit.processes WHERE leader") == 1 })
                #expect(a.exitCode == nil && b.exitCode == nil, "a scheduler exited")

                // The one that leads now dies; the other, reconnected too, takes over and creates the next run.
                let leader = await Self.leaseHolder(pool)
                let surviving = leader == a.name ? b : a
                await processes.kill9(leader == a.name ? a : b)
                try SchedulerProcessTests.setClock(clockFile, start.addingTimeInterval(15 * 60))
                #expect(try await Self.runsReach(15, pool))
                #expect(await Self.leaseHolder(pool) == surviving.name)
                #expect(await processes.terminate(surviving) == 0, "\(surviving.logTail())")
            }

            let runs = try await pool.query("SELECT fire_time, trigger FROM benefit.run ORDER BY fire_time").decode((Date, String).self)
            #expect(runs.map(\.0) == (1...15).map { start.addingTimeInterval(Double($0) * 60 - 30) })
            // Each on time but the one that passed while the server was down.
            #expect(runs.map(\.1) == Array(repeating: "schedule", count: 12) + ["catch-up", "schedule", "schedule"])
        }
    }
}
