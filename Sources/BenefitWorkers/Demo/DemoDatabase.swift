import Foundation
import PostgresClient

/// The demo's own database on the server it is pointed at: created afresh at the
/// start of every demo, then left for the operator to explore. Only a database an
/// earlier demo created (it carries the demo's mark, ``DemoDatabaseQueries``) is
/// dropped to make way; any other database of that name is refused, and nothing
/// else on the server is touched.
enum DemoDatabase {
    /// Creates `name` on `server`'s server, dropping an earlier demo's database of
    /// that name; returns the configuration for it.
    ///
    /// The statements run from the configured database, or from `postgres` when
    /// the configured database is the demo's own (one cannot drop the database
    /// one is connected to).
    static func recreate(_ name: String, server: PostgresConfiguration) async throws -> PostgresConfiguration {
        let maintenance = server.parameter("dbname") == name ? server.with(database: "postgres") : server
        let admin = try await PostgresConnection.connect(to: maintenance)
        do {
            switch try await admin.query(DemoDatabaseQueries.isMarked(name)).first(Bool.self) {
            case nil:
                break
            case true?:
                try await admin.query(DemoDatabaseQueries.drop(name))
            case false?:
                throw DemoError("database \(name) already exists and was not created by benefit demo: nothing was dropped (give the demo another database name, or drop this one yourself)")
            }
            try await admin.query(DemoDatabaseQueries.create(name))
            try await admin.query(DemoDatabaseQueries.mark(name))
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
