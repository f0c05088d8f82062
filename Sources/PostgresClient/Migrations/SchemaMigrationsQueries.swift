import Foundation

/// The statements on `benefit.schema_migrations`, all run by ``Migrator``.
enum SchemaMigrationsQueries {
    /// Serializes migrators across hosts: two `benefit db migrate` started together
    /// apply each migration once. The key spells "benefit" in ASCII.
    static let lockKey: Int64 = 0x62_656E_6566_6974

    /// Run first: waits for any other migrator to finish.
    static func lock() -> PostgresQuery { "SELECT pg_advisory_lock(\(lockKey))" }

    /// Run last (and implicitly by the session ending, if the process dies).
    static func unlock() -> PostgresQuery { "SELECT pg_advisory_unlock(\(lockKey))" }

    /// Run to tell a fresh database (no table yet) from a migrated one.
    static func tableExists() -> PostgresQuery {
        "SELECT to_regclass('benefit.schema_migrations') IS NOT NULL"
    }

    /// Run to compare what was applied with the files on disk.
    static func applied() -> PostgresQuery {
        "SELECT version, name, checksum, applied_at, applied_by FROM benefit.schema_migrations ORDER BY version"
    }

    /// Run once per migrate or status: the files' SHA-256, computed by the server so
    /// the checksum means the same thing to every client.
    static func checksums(of scripts: [String]) -> PostgresQuery {
        """
        SELECT encode(sha256(convert_to(script, 'UTF8')), 'hex')
        FROM unnest(\(scripts)) WITH ORDINALITY AS file(script, position)
        ORDER BY position
        """
    }

    /// Run in the migration's own transaction, right after its script.
    static func record(_ migration: Migration, checksum: String, by operatorName: String) -> PostgresQuery {
        """
        INSERT INTO benefit.schema_migrations (version, name, checksum, applied_by)
        VALUES (\(migration.version), \(migration.name), \(checksum), \(operatorName))
        """
    }
}
