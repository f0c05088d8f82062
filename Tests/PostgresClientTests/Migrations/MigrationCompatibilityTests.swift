import BenefitMigrations
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `-- compatible-from: NNNN`: what a migration says of the releases that keep
/// working on it, recorded by `db migrate` and judged by ``Migrator/requireCompatible(on:)``.
@Suite("Migration compatibility")
struct MigrationCompatibilityTests {
    @Test("the line is read from the file's leading comments only, and must name an earlier migration")
    func declaration() throws {
        let declared = try Migration.parse([("0020_add_column.sql", "-- 0020 adds a column\n-- compatible-from: 0019 (it only adds)\nALTER TABLE t ADD c int;\n")])
        #expect(declared.first?.compatibleFrom == 19)
        let silent = try Migration.parse([("0020_drop.sql", "-- 0020\nALTER TABLE t DROP c;\n-- compatible-from: 0019\n")])
        #expect(silent.first?.compatibleFrom == nil, "a line after the first statement is not the declaration")
        for bad in ["0020", "0021", "19", "00x9", ""] {
            #expect(throws: MigrationError.self, "\(bad)") {
                try Migration.parse([("0020_bad.sql", "-- compatible-from: \(bad)\nSELECT 1;\n")])
            }
        }
        // The bundled migration that adds the record says that 0013's release keeps working.
        #expect(try Migration.bundled().first { $0.version == 14 }?.compatibleFrom == 13)
    }

    @Test("db migrate records the declaration; a newer release's migration that keeps this one working is allowed, one that does not is named")
    func judged() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let migrator = Migrator(migrations: try Migration.bundled())
            let newest = try #require(migrator.migrations.last).version
            #expect(try await connection.query("SELECT compatible_from FROM benefit.schema_migrations WHERE version = 14").single(Int.self) == 13)
            #expect(try await migrator.requireCompatible(on: connection).isEmpty)

            // A newer release's expanding migration: this release keeps working.
            try await connection.query("""
                INSERT INTO benefit.schema_migrations (version, name, checksum, applied_by, compatible_from)
                VALUES (9001, 'expand', repeat('ab', 32), 'newer@host', \(newest))
                """)
            let ahead = try await migrator.requireCompatible(on: connection)
            #expect(ahead.map(\.fileName) == ["9001_expand.sql"])
            try await migrator.requireNewerCompatible(on: connection)
            // Its contracting one, which only releases from 9001 on can run with.
            try await connection.query("""
                INSERT INTO benefit.schema_migrations (version, name, checksum, applied_by, compatible_from)
                VALUES (9002, 'contract', repeat('ab', 32), 'newer@host', 9001)
                """)
            for check in [{ try await migrator.requireCompatible(on: connection) as Any }, { try await migrator.requireNewerCompatible(on: connection) as Any }] {
                do {
                    _ = try await check()
                    Issue.record("a schema past this release was accepted")
                } catch let error as MigrationError {
                    #expect("\(error)".contains("9002_contract.sql") && "\(error)".contains("cannot run with"), "\(error)")
                }
            }
            // This release never migrates a database a newer one migrated.
            await #expect(throws: MigrationError.self) { try await migrator.migrate(on: connection) }
        }
    }
}
