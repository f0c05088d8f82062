import BenefitTestSupport
import PostgresClient
import Testing

/// ``PostgresQuery/prepared()``: statements a connection parses once and binds anew.
@Suite("Prepared statements")
struct PreparedStatementTests {
    static func preparedCount(_ connection: PostgresConnection) async throws -> Int {
        try await connection.query("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'benefit\\_%'").single(Int.self)
    }

    static func doubled(_ value: Int) -> PostgresQuery {
        ("SELECT \(value)::integer * 2" as PostgresQuery).prepared()
    }

    @Test("a prepared query is made once per connection and runs with each call's own values")
    func madeOnceBoundEachTime() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            for value in 1...7 {
                #expect(try await connection.query(Self.doubled(value)).single(Int.self) == value * 2)
            }
            #expect(try await Self.preparedCount(connection) == 1)
            // Another text is another statement; a query not marked is not prepared.
            #expect(try await connection.query(("SELECT \("a")::text || 'b'" as PostgresQuery).prepared()).single(String.self) == "ab")
            #expect(try await connection.query("SELECT \(3)::integer + 1").single(Int.self) == 4)
            #expect(try await Self.preparedCount(connection) == 2)
            // Each connection makes its own.
            let other = try await PostgresConnection.connect(to: configuration)
            #expect(try await other.query(Self.doubled(21)).single(Int.self) == 42)
            #expect(try await Self.preparedCount(other) == 1)
        }
    }

    /// A connection that prepared and ran `read` on table `effects` (rows 1 and 2),
    /// after which another session added a column to the table, as a migration would.
    static func withStaleRead(_ body: (PostgresConnection, PostgresQuery) async throws -> Void) async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE effects (id integer PRIMARY KEY)")
            try await connection.query("INSERT INTO effects VALUES (1), (2)")
            let read = ("SELECT * FROM effects WHERE id = \(2)" as PostgresQuery).prepared()
            #expect(try await connection.query(read).single(Int.self) == 2)
            let migrator = try await PostgresConnection.connect(to: configuration)
            try await migrator.query("ALTER TABLE effects ADD COLUMN note text NOT NULL DEFAULT 'added'")
            try await body(connection, read)
        }
    }

    @Test("a prepared statement whose result changed shape is made again and run, outside a transaction")
    func staleStatementIsMadeAgain() async throws {
        try await Self.withStaleRead { (connection: PostgresConnection, read: PostgresQuery) async throws in
            #expect(try await connection.query(read).single((Int, String).self) == (2, "added"))
            // The old statement stays on the server, unused, beside the new one.
            #expect(try await Self.preparedCount(connection) == 2)
        }
    }

    @Test("inside a transaction a stale prepared statement fails it; the next use, after the rollback, runs")
    func staleStatementFailsItsTransaction() async throws {
        try await Self.withStaleRead { (connection: PostgresConnection, read: PostgresQuery) async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await connection.transaction { transaction in
                    try await transaction.query("INSERT INTO effects VALUES (3)")
                    _ = try await transaction.query(read)
                }
            }
            #expect(error?.sqlState == "0A000", "\(String(describing: error))")
            #expect(try await connection.query("SELECT count(*) FROM effects").single(Int.self) == 2)
            #expect(try await connection.query(read).single((Int, String).self) == (2, "added"))
        }
    }

    @Test("a prepared statement the server refuses to make is made again on its next use, alone or in a pipeline")
    func refusedMakingIsForgotten() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let read = ("SELECT count(*) FROM later WHERE id > \(0)" as PostgresQuery).prepared()
            let alone = await #expect(throws: PostgresError.self) { try await connection.query(read) }
            #expect(alone?.sqlState == "42P01", "\(String(describing: alone))")
            let piped = await #expect(throws: PostgresError.self) { try await connection.pipeline([Self.doubled(1), read]) }
            #expect(piped?.sqlState == "42P01", "\(String(describing: piped))")
            try await connection.query("CREATE TABLE later (id integer)")
            try await connection.query("INSERT INTO later VALUES (1), (2)")
            #expect(try await connection.query(read).single(Int.self) == 2)
            let again = try await connection.pipeline([Self.doubled(2), read])
            #expect(try again[0].single(Int.self) == 4 && again[1].single(Int.self) == 2)
        }
    }

    @Test("a pipeline runs prepared statements as such, and makes a stale one again after it failed")
    func pipelineUsesPreparedStatements() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE effects (id integer PRIMARY KEY)")
            let insert = { (id: Int) in ("INSERT INTO effects VALUES (\(id))" as PostgresQuery).prepared() }
            let read = ("SELECT * FROM effects ORDER BY id LIMIT \(1)" as PostgresQuery).prepared()
            let results = try await connection.pipeline([insert(1), insert(2), insert(3), read, Self.doubled(5)])
            #expect(results.map(\.affectedRows).prefix(3) == [1, 1, 1])
            #expect(try results[3].single(Int.self) == 1)
            #expect(try results[4].single(Int.self) == 10)
            #expect(try await Self.preparedCount(connection) == 3)

            let migrator = try await PostgresConnection.connect(to: configuration)
            try await migrator.query("ALTER TABLE effects ADD COLUMN note text NOT NULL DEFAULT 'added'")
            let error = await #expect(throws: PostgresError.self) { try await connection.pipeline([insert(4), read]) }
            #expect(error?.sqlState == "0A000", "\(String(describing: error))")
            // The pipeline was one transaction: its insert went with it.
            #expect(try await connection.query("SELECT count(*) FROM effects").single(Int.self) == 3)
            let again = try await connection.pipeline([insert(4), read])
            #expect(try again[1].single((Int, String).self) == (1, "added"))
        }
    }
}
