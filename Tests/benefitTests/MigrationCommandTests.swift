import BenefitMigrations
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit db migrate` and `db status` as operators run them.
@Suite("Migration commands")
struct MigrationCommandTests {
    @Test("two benefit db migrate processes started together apply each migration once")
    func concurrentMigratorsApplyOnce() async throws {
        try await TestDatabase.withFresh { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            async let first = BenefitProcess.run(["db", "migrate"], environment: environment)
            async let second = BenefitProcess.run(["db", "migrate"], environment: environment)
            let outcomes = try await [first, second]
            for outcome in outcomes {
                #expect(outcome.exitCode == 0, "stderr: \(outcome.standardError)")
            }
            let connection = try await PostgresConnection.connect(to: configuration)
            let rows = try await connection.query("SELECT version, count(*) OVER (PARTITION BY version) FROM benefit.schema_migrations")
                .decode((Int, Int).self)
            #expect(rows.count == (try Migration.bundled()).count)
            #expect(rows.allSatisfy { $0.1 == 1 })
            // Exactly one of the two did the work; the other found nothing to do.
            let appliedLines = outcomes.map { $0.standardOutput.components(separatedBy: "applied ").count - 1 }
            #expect(appliedLines.sorted() == [0, rows.count])
        }
    }

    @Test("an applied migration whose file changed is refused, naming the file")
    func editedMigrationIsRefused() async throws {
        try await TestDatabase.withFresh { configuration in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            for migration in try Migration.bundled() {
                try migration.sql.write(to: directory.appendingPathComponent(migration.fileName), atomically: true, encoding: .utf8)
            }
            try "CREATE TABLE benefit.scratch (id int);\n".write(
                to: directory.appendingPathComponent("0900_scratch.sql"), atomically: true, encoding: .utf8)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let first = try await BenefitProcess.run(["db", "migrate", "--migrations-dir", directory.path], environment: environment)
            #expect(first.exitCode == 0, "stderr: \(first.standardError)")

            try "CREATE TABLE benefit.scratch (id bigint);\n".write(
                to: directory.appendingPathComponent("0900_scratch.sql"), atomically: true, encoding: .utf8)
            let second = try await BenefitProcess.run(["db", "migrate", "--migrations-dir", directory.path], environment: environment)
            #expect(second.exitCode == 1)
            #expect(second.standardError.contains("0900_scratch.sql"))
            #expect(second.standardError.contains("changed after it was applied"))
            let errorLines = second.standardError.split(whereSeparator: \.isNewline)
            #expect(errorLines.count == 1, "one clear line, got: \(second.standardError)")

            let status = try await BenefitProcess.run(["db", "status", "--migrations-dir", directory.path], environment: environment)
            let scratchLine = status.standardOutput.split(separator: "\n").first { $0.hasPrefix("0900_scratch.sql") }
            #expect(scratchLine?.contains("CHANGED") == true)
        }
    }
}

@Suite("Connection errors from the command line")
struct ConnectionErrorCommandTests {
    @Test("a malformed database URL, given as --database-url or $DATABASE_URL, is one line without its password")
    func malformedURLHidesPassword() async throws {
        let url = "postgresql://admin:Secret123@[::1"
        for (arguments, environment) in [(["db", "status", "--database-url", url], [String: String]()),
                                         (["db", "status"], ["DATABASE_URL": url])] {
            let outcome = try await BenefitProcess.run(arguments, environment: environment)
            #expect(outcome.exitCode == 1)
            #expect(!outcome.standardError.contains("Secret123"), "stderr: \(outcome.standardError)")
            #expect(!outcome.standardOutput.contains("Secret123"))
            #expect(outcome.standardError.contains("invalid database URL"))
            #expect(outcome.standardError.split(whereSeparator: \.isNewline).count == 1, "one line: \(outcome.standardError)")
        }
    }
}
