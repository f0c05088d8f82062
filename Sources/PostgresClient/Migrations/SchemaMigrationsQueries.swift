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

    /// Run to learn whether migrations record what they keep working with (the
    /// column 0014 adds).
    static func compatibilityRecorded() -> PostgresQuery {
        """
        SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                       WHERE attrelid = to_regclass('benefit.schema_migrations') AND attname = 'compatible_from' AND NOT attisdropped)
        """
    }

    /// Run to compare what was applied with the files on disk; `compatible_from` is
    /// NULL for each row when the database has no such column yet.
    static func applied(withCompatibility: Bool) -> PostgresQuery {
        withCompatibility
            ? "SELECT version, name, checksum, applied_at, applied_by, compatible_from FROM benefit.schema_migrations ORDER BY version"
            : "SELECT version, name, checksum, applied_at, applied_by, NULL::integer FROM benefit.schema_migrations ORDER BY version"
    }

    /// Run by a daemon's schema watch: the migrations a newer release applied.
    static func newer(than version: Int) -> PostgresQuery {
        "SELECT version, name, compatible_from FROM benefit.schema_migrations WHERE version > \(version) ORDER BY version"
    }

    /// Run after ``record(_:checksum:by:)`` for a migration that declares `-- compatible-from`.
    static func recordCompatibility(_ migration: Migration, from: Int) -> PostgresQuery {
        "UPDATE benefit.schema_migrations SET compatible_from = \(from) WHERE version = \(migration.version)"
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
