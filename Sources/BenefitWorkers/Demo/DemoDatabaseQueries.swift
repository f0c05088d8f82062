import PostgresClient

/// `benefit demo`'s statements on the server's catalog of databases (`pg_database`).
///
/// The demo recreates its database on every run, and dropping a database takes
/// its data for good: it marks the database it creates with a comment and drops
/// only a database that carries the mark, never one that merely has the name.
enum DemoDatabaseQueries {
    /// Whether the database `name` carries the demo's mark: true or false, or no
    /// row when there is no such database. Run by the demo before it drops anything.
    static func isMarked(_ name: String) -> PostgresQuery {
        // The mark as `mark(_:)` writes it.
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') = 'created by benefit demo' FROM pg_database WHERE datname = \(name)"
    }

    /// Drops a database the demo made, closing its sessions (a demo's worker left running).
    static func drop(_ name: String) -> PostgresQuery {
        "DROP DATABASE \(identifier: name) WITH (FORCE)"
    }

    static func create(_ name: String) -> PostgresQuery {
        "CREATE DATABASE \(identifier: name)"
    }

    /// Marks a database the demo just created as its own, so a later demo may drop it.
    static func mark(_ name: String) -> PostgresQuery {
        "COMMENT ON DATABASE \(identifier: name) IS 'created by benefit demo'"
    }
}
