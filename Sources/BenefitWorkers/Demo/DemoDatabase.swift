import Foundation
import PostgresClient

/// The demo's own database on the server it is pointed at: dropped (if there)
/// and created afresh at the start of every demo, then left for the operator
/// to explore. Nothing else on the server is touched.
enum DemoDatabase {
    /// Drops and creates `name` on `server`'s server; returns the configuration for it.
    ///
    /// The statements run from the configured database, or from `postgres` when
    /// the configured database is the demo's own (one cannot drop the database
    /// one is connected to).
    static func recreate(_ name: String, server: PostgresConfiguration) async throws -> PostgresConfiguration {
        let maintenance = server.parameter("dbname") == name ? server.with(database: "postgres") : server
        let admin = try await PostgresConnection.connect(to: maintenance)
        do {
            try await admin.query("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            try await admin.query("CREATE DATABASE \(identifier: name)")
        } catch let error as PostgresError where error.sqlState == "42501" {
            throw DemoError("cannot create the demo database \(name): the role needs CREATEDB (\(error.message))")
        }
        return server.with(database: name)
    }
}

/// The demo could not run to the end.
public struct DemoError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
