import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Connections through a real PgBouncer in transaction pooling mode, where each
/// transaction may land on another server session and session state set on one
/// does not follow the client.
@Suite("Through PgBouncer in transaction pooling mode")
struct TransactionPoolingTests {
    /// Runs `body` with a fresh database, a plain login whose own defaults would
    /// break every decoder (dates as `SQL, DMY`, the clock at UTC+14), and a
    /// PgBouncer in front of it that lends that login `poolSize` server sessions.
    static func withHostileLogin(
        poolSize: Int, _ body: (_ login: PostgresConfiguration, _ bouncer: PgBouncer) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { configuration in
            let name = "login_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let admin = try await PostgresConnection.connect(to: configuration)
            try await admin.query("CREATE ROLE \(identifier: String(name)) LOGIN")
            let drop: PostgresQuery = "DROP ROLE IF EXISTS \(identifier: String(name))"
            do {
                try await admin.query("ALTER ROLE \(identifier: String(name)) SET DateStyle = 'SQL, DMY'")
                try await admin.query("ALTER ROLE \(identifier: String(name)) SET TimeZone = 'Pacific/Kiritimati'")
                try await PgBouncer.with(logins: [String(name)], poolSize: poolSize) { bouncer in
                    try await body(configuration.with(user: String(name)), bouncer)
                }
                try await admin.query(drop)
            } catch {
                _ = try? await admin.query(drop)
                throw error
            }
        }
    }

    /// Two clients of the hostile login through a PgBouncer that lends it one
    /// server session: whatever one leaves on that session, the other meets.
    static func withTwoClientsOnOneSession(
        _ body: (_ first: PostgresConnection, _ second: PostgresConnection, _ login: PostgresConfiguration, _ bouncer: PgBouncer) async throws -> Void
    ) async throws {
        try await withHostileLogin(poolSize: 1) { login, bouncer in
            let routed = bouncer.route(login)
            try await body(try await PostgresConnection.connect(to: routed), try await PostgresConnection.connect(to: routed), login, bouncer)
        }
    }

    @Test("each pooled connection reads UTC and ISO dates on whatever server session it lands, while another client sets the session otherwise")
    func settingsFollowEveryClient() async throws {
        try await Self.withTwoClientsOnOneSession { first, second, login, bouncer in
            // A client of the same pool that wants its dates otherwise, set at session level.
            let other = try await PostgresConnection.connect(to: bouncer.route(login))
            try await other.query("SET DateStyle = 'SQL, DMY'")

            let noonLastDay = try Date("2029-12-31T12:00:00Z", strategy: .iso8601)
            var servers: Set<Int> = []
            for _ in 0..<10 {
                for connection in [first, second] {
                    let (zone, style, instant, day, server) = try await connection.query("""
                        SELECT current_setting('TimeZone'), current_setting('DateStyle'),
                               timestamptz '2029-12-31 12:00:00+00', (timestamptz '2029-12-31 12:00:00+00')::date, pg_backend_pid()
                        """).single((String, String, Date, CalendarDate, Int).self)
                    #expect(zone == "UTC")
                    #expect(style == "ISO, YMD")
                    #expect(instant == noonLastDay)
                    // At UTC+14 that instant is already 2030-01-01.
                    #expect(day == CalendarDate(year: 2029, month: 12, day: 31))
                    servers.insert(server)
                }
                // Between each of ours, the other client's statement on the same server session.
                #expect(try await other.query("SELECT current_setting('DateStyle')").single(String.self) == "SQL, DMY")
            }
            // One server session served all three clients: the settings were set again each time.
            #expect(servers.count == 1)
            #expect(try await bouncer.show(.servers).filter { $0["user"] == login.parameter("user") }.count == 1)
        }
    }

    @Test("prepared queries run behind PgBouncer unprepared: two clients sharing one server session both run theirs")
    func preparedQueriesAreNotPrepared() async throws {
        try await Self.withTwoClientsOnOneSession { first, second, _, _ async throws in
            // Prepared, both would name theirs benefit_1 on the one server session:
            // the second would fail with 42P05 (already exists).
            for value in 1...3 {
                for connection in [first, second] {
                    let query = ("SELECT \(value)::integer * 2" as PostgresQuery).prepared()
                    #expect(try await connection.query(query).single(Int.self) == value * 2)
                }
            }
            #expect(try await first.query("SELECT count(*) FROM pg_prepared_statements").single(Int.self) == 0)
        }
    }

    @Test("a temporary table dropped at commit serves its own transaction behind PgBouncer, and two clients sharing one server session both make theirs")
    func temporaryTablesWithinATransaction() async throws {
        try await Self.withTwoClientsOnOneSession { first, second, login, bouncer in
            // As a recuperation run's planning ranks its members: made, read and dropped in one transaction.
            for value in 1...3 {
                for (index, connection) in [first, second].enumerated() {
                    let rows = value * 10 + index
                    let counted = try await connection.transaction { transaction in
                        try await transaction.query("""
                            CREATE TEMPORARY TABLE ranking ON COMMIT DROP AS SELECT g AS rank FROM generate_series(1, \(rows)) AS g
                            """)
                        return try await transaction.query("SELECT count(*) FROM pg_temp.ranking").single(Int.self)
                    }
                    #expect(counted == rows)
                }
            }
            #expect(try await first.query("SELECT to_regclass('pg_temp.ranking') IS NULL").single(Bool.self))
            #expect(try await bouncer.show(.servers).filter { $0["user"] == login.parameter("user") }.count == 1)
        }
    }

    @Test("a connection that sends its session settings at connect is refused by PgBouncer, and the error says why")
    func directSettingsAreRefused() async throws {
        try await Self.withHostileLogin(poolSize: 1) { login, bouncer in
            var direct = bouncer.route(login)
            direct.transactionPooling = false
            let error = await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(to: direct) }
            #expect(error?.code == .connectionFailed)
            #expect(error?.description.contains("unsupported startup parameter: options") == true, "\(String(describing: error))")
            #expect(error?.description.contains("Behind PgBouncer") == true, "\(String(describing: error))")
        }
    }

    @Test("a cancelled task's statement is cancelled by the server behind PgBouncer, and the pool goes on")
    func cancelReachesTheServer() async throws {
        try await Self.withHostileLogin(poolSize: 2) { login, bouncer in
            let pool = PostgresPool(configuration: bouncer.route(login), maxConnections: 2)
            defer { pool.close() }
            let sleeper = Task { try await pool.query("SELECT pg_sleep(60)") }
            let observer = try await PostgresConnection.connect(to: try TestDatabase.server())
            let sleeping = try await eventually {
                try await observer.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = \(login.parameter("user") ?? "") AND query = 'SELECT pg_sleep(60)' AND state = 'active'"
                ).single(Int.self) == 1
            }
            #expect(sleeping)
            sleeper.cancel()
            // 57014 is the server's answer to a cancel request: PgBouncer passed it on
            // (a connection cut after PostgresPool.cancelAnswerLimit would end otherwise).
            let error = await #expect(throws: PostgresError.self) { try await sleeper.value }
            #expect(error?.sqlState == "57014", "\(String(describing: error))")
            #expect(try await pool.query("SELECT 7").single(Int.self) == 7)
        }
    }
}
