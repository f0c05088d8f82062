import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The deployment of docs/operations.md, "Behind PgBouncer": the daemons of many
/// hosts share a few server sessions through a real PgBouncer in transaction
/// pooling mode, and a worker LISTENs on a direct connection or polls.
@Suite("Daemons behind PgBouncer")
struct PgBouncerProcessTests {
    /// Server sessions PgBouncer lends the worker login: fewer than the three daemons' connections.
    static let poolSize = 4
    static let relief = #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 50000000 }"#

    /// Runs `benefit ARGUMENTS` with `environment` and expects exit 0.
    static func succeed(_ arguments: [String], _ environment: [String: String]) async throws {
        let outcome = try await BenefitProcess.run(arguments, environment: environment)
        #expect(outcome.exitCode == 0, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
    }

    @Test("two workers (one LISTENing on a direct connection, one polling) and a scheduler through PgBouncer run a relief campaign to its end, each eligible member granted once")
    func campaignRunsThroughPgBouncer() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            let ownerEnvironment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let roster = TemporaryFiles.path(named: "roster.csv")
            try await Self.succeed(["members", "generate", "--count", "12000", "--seed", "11", "--out", roster], ownerEnvironment)
            try await Self.succeed(["members", "import", roster], ownerEnvironment)
            // About a thousand eligible members in batches of 5: work enough that both workers take part, whoever wakes first.
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "winter-warmth", program: "seasonal-relief", cron: "0 9 * * *", batchSize: 5, parameters: Self.relief), on: owner)
            // The schedulers' clock, moved by the test: the 09:00 fire time has come.
            let clockFile = try TemporaryFiles.write("2030-06-01T09:00:30Z", named: "clock")
            try await owner.query("UPDATE benefit.campaign SET scheduled_through = timestamptz '2030-06-01 08:00:00+00'")

            try await TestDatabase.withLogins([.worker], on: configuration) { logins in
                let login = try #require(logins[.worker])
                let loginName = try #require(login.parameter("user"))
                // Defaults that break every date the daemons read, if a session setting were lost on the way.
                try await owner.query("ALTER ROLE \(identifier: loginName) SET DateStyle = 'SQL, DMY'")
                try await owner.query("ALTER ROLE \(identifier: loginName) SET TimeZone = 'Pacific/Kiritimati'")
                try await PgBouncer.with(logins: [loginName], poolSize: Self.poolSize) { bouncer in
                    let pooled = ["DATABASE_URL": try TestDatabase.url(of: bouncer.route(login))]
                    let pids = try await withProcessGroup { processes in
                        try await Self.runToTheEnd(
                            processes, pooled: pooled, direct: try TestDatabase.url(of: login), clockFile: clockFile, owner: owner
                        ) {
                            try await Self.expectSharedSessions(bouncer, login: loginName, owner: owner)
                        }
                    }
                    try await Self.expectEachEligibleMemberGrantedOnce(owner)
                    // The LISTENing worker polls once an hour: only a notification on its direct connection woke it.
                    for (name, pid) in [("listening", pids.listening), ("polling", pids.polling)] {
                        let attempts = try await owner.query(
                            "SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'succeeded' AND pid = \(pid)").single(Int.self)
                        #expect(attempts >= 1, "the \(name) worker ran no job")
                    }
                }
            }
        }
    }

    /// Starts the scheduler and the two workers, waits for the run to end, runs
    /// `whileRunning`, and stops them (each must exit 0). Returns the workers' pids.
    private static func runToTheEnd(
        _ processes: ProcessGroup, pooled: [String: String], direct: String, clockFile: String, owner: PostgresPool,
        whileRunning: () async throws -> Void
    ) async throws -> (listening: Int, polling: Int) {
        let json = ["--log-format", "json"]
        let scheduler = await processes.start(
            "pgb-scheduler", ["scheduler", "--pooled", "--tick", "100ms", "--leader-lease", "2s", "--clock-file", clockFile] + json,
            environment: pooled)
        let listening = await processes.start(
            "pgb-listening",
            ["worker", "--pooled", "--listen-url", direct, "--queues", "runs", "--concurrency", "2", "--poll-interval", "1h"] + json,
            environment: pooled)
        let polling = await processes.start(
            "pgb-polling", ["worker", "--pooled", "--queues", "runs", "--concurrency", "4", "--poll-interval", "100ms"] + json,
            environment: pooled)
        let ended = try await eventually(timeout: .seconds(120)) {
            try await owner.query("SELECT count(*) FROM benefit.run WHERE state IN ('succeeded', 'failed', 'cancelled')").single(Int.self) == 1
        }
        try #require(ended, "scheduler: \(scheduler.logTail())\nlistening: \(listening.logTail())\npolling: \(polling.logTail())")
        try await whileRunning()
        for handle in [scheduler, listening, polling] {
            #expect(await processes.terminate(handle) == 0, "\(handle.name): \(handle.logTail())")
            let log = handle.logTail(10_000)
            #expect(!log.contains(#""level":"error""#) && !log.contains(#""level":"critical""#), "\(handle.name): \(handle.logTail())")
        }
        #expect(polling.logTail(10_000).contains("not listening for new jobs"), "\(polling.logTail())")
        #expect(!listening.logTail(10_000).contains("not listening for new jobs"), "\(listening.logTail())")
        return (Int(listening.processID ?? 0), Int(polling.processID ?? 0))
    }

    /// The three daemons hold more client connections to PgBouncer than it has
    /// server sessions for them, and all their statements went through those.
    private static func expectSharedSessions(_ bouncer: PgBouncer, login: String, owner: PostgresPool) async throws {
        let clients = try await bouncer.show(.clients).filter { $0["user"] == login }
        let servers = try await bouncer.show(.servers).filter { $0["user"] == login }
        #expect(clients.count > poolSize, "\(clients.count) client connections")
        #expect(!servers.isEmpty && servers.count <= poolSize, "\(servers.count) server sessions")
        // On the server: those sessions, and the one direct LISTEN connection.
        let (sessions, listening) = try await owner.query("""
            SELECT count(*), count(*) FILTER (WHERE query LIKE 'LISTEN%')
            FROM pg_stat_activity WHERE usename = \(login)
            """).single((Int, Int).self)
        #expect(sessions <= poolSize + 1, "\(sessions) server sessions of the worker login")
        #expect(listening == 1)
        let database = try await owner.query("SELECT current_database()").single(String.self)
        let transactions = try await bouncer.show(.stats).first { $0["database"] == database }?["total_xact_count"].flatMap { Int($0) } ?? 0
        let batches = try await owner.query("SELECT batches_total FROM benefit.run").single(Int.self)
        #expect(transactions > batches, "\(transactions) transactions through PgBouncer for \(batches) batches")
    }

    /// Exactly-once effects: the run succeeded, every member of a paid tier has one
    /// grant of their tier's amount and nobody else has one, the ledger equals the grants.
    private static func expectEachEligibleMemberGrantedOnce(_ owner: PostgresPool) async throws {
        let (runs, state, dead) = try await owner.query("""
            SELECT (SELECT count(*) FROM benefit.run), (SELECT min(state) FROM benefit.run),
                   (SELECT count(*) FROM benefit.job WHERE state = 'dead')
            """).single((Int, String, Int).self)
        #expect(runs == 1 && state == "succeeded" && dead == 0, "\(runs) runs, \(state), \(dead) dead jobs")
        let (eligible, grants, granted, rightlyPaid, waitlisted) = try await owner.query("""
            SELECT (SELECT count(*) FROM benefit.member WHERE hardship_tier IN (1, 2, 3)),
                   (SELECT count(*) FROM benefit.grant),
                   (SELECT count(DISTINCT member_id) FROM benefit.grant),
                   (SELECT count(*) FROM benefit.grant g JOIN benefit.member m USING (member_id)
                    WHERE g.amount = CASE m.hardship_tier WHEN 1 THEN 2000 WHEN 2 THEN 1200 WHEN 3 THEN 800 END),
                   (SELECT count(*) FROM benefit.waitlist_entry)
            """).single((Int, Int, Int, Int, Int).self)
        #expect(eligible > 0 && eligible < 12_000, "\(eligible) eligible members")
        #expect(grants == eligible && granted == eligible && rightlyPaid == eligible, "\(grants) grants to \(granted) members for \(eligible)")
        #expect(waitlisted == 0)
        let (spent, paid) = try await owner.query("""
            SELECT (SELECT spent FROM benefit.relief_budget), (SELECT sum(amount) FROM benefit.grant)
            """).single((Decimal, Decimal).self)
        #expect(spent == paid && spent > 0, "ledger \(spent), grants \(paid)")
    }
}

/// The worker's `--listen-url` and `$BENEFIT_LISTEN_URL` hold a password (the
/// direct connection's): it is never printed, whatever goes wrong.
@Suite("The listen URL's password")
struct ListenURLSecretTests {
    static let password = "Hunter2-listen-secret"

    @Test("a --listen-url or $BENEFIT_LISTEN_URL libpq cannot read is refused in one line naming it, without its password", arguments: [
        (["--listen-url", "postgresql://listener:\(password)@127.0.0.1/benefit?flavour=\(password)"], [String: String](), "--listen-url"),
        ([], ["BENEFIT_LISTEN_URL": "postgresql://listener:\(password)@127.0.0.1/benefit?flavour=\(password)"], "$BENEFIT_LISTEN_URL"),
    ])
    func unreadableURLIsRefused(_ arguments: [String], _ environment: [String: String], _ source: String) async throws {
        // Refused while reading the options: the database is never reached.
        let unreachable = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"]
        let outcome = try await BenefitProcess.run(["worker"] + arguments, environment: unreachable.merging(environment) { $1 })
        #expect(outcome.exitCode == 64)
        #expect(outcome.standardError.hasPrefix("Error: \(source): invalid database URL"), "\(outcome.standardError)")
        #expect(!outcome.standardError.contains(Self.password), "\(outcome.standardError)")
    }

    @Test("a worker whose $BENEFIT_LISTEN_URL cannot be reached logs where it could not listen, never the password, and still exits 0 on SIGTERM")
    func unreachableURLIsLoggedWithoutPassword() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = [
                "DATABASE_URL": try TestDatabase.url(of: configuration),
                "BENEFIT_LISTEN_URL": "postgresql://listener:\(Self.password)@127.0.0.1:1/benefit?connect_timeout=1",
            ]
            try await withProcessGroup { processes in
                let worker = await processes.start("listen-unreachable", ["worker", "--queues", "runs"], environment: environment)
                let logged = try await eventually { worker.logTail(200).contains("listening for new jobs") }
                #expect(logged, "\(worker.logTail())")
                #expect(await processes.terminate(worker) == 0)
                let log = worker.logTail(10_000)
                #expect(log.contains("port=1"), "\(log)")
                #expect(!log.contains(Self.password), "\(log)")
            }
        }
    }
}
