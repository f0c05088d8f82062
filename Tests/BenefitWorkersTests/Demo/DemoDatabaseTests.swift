import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@testable import BenefitWorkers

/// The demo's database: made afresh on each run, but only a database an earlier
/// demo made is ever dropped to make way.
@Suite("Demo database")
struct DemoDatabaseTests {
    @Test("a database an earlier demo created is dropped and made afresh, still the demo's")
    func earlierDemoDatabaseIsReplaced() async throws {
        try await TestDatabase.withName(prefix: "demo") { name, server in
            let first = try await DemoDatabase.recreate(name, server: server)
            try await PostgresConnection.connect(to: first).query("CREATE TABLE leftover (id int)")
            let second = try await DemoDatabase.recreate(name, server: server)
            let connection = try await PostgresConnection.connect(to: second)
            #expect(try await connection.query("SELECT to_regclass('leftover') IS NULL").single(Bool.self))
            // Marked again, so the demo after this one may replace it too.
            _ = try await DemoDatabase.recreate(name, server: server)
        }
    }

    @Test("any other database of that name is refused, naming it, and keeps its rows")
    func otherDatabaseIsRefused() async throws {
        try await TestDatabase.withName(prefix: "demo") { name, server in
            let admin = try await PostgresConnection.connect(to: server)
            try await admin.query("CREATE DATABASE \(identifier: name)")
            try await PostgresConnection.connect(to: server.with(database: name)).query("CREATE TABLE ledger AS SELECT 1 AS entry")
            let error = await #expect(throws: DemoError.self) { try await DemoDatabase.recreate(name, server: server) }
            #expect(error?.description.contains("database \(name) already exists and was not created by benefit demo") == true)
            let rows = try await PostgresConnection.connect(to: server.with(database: name)).query("SELECT count(*) FROM ledger")
            #expect(try rows.single(Int.self) == 1)
        }
    }
}
