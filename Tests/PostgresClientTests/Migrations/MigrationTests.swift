import BenefitMigrations
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("status lists pending, then applied with who applied them")
    func statusListsPendingThenApplied() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let migrator = Migrator(migrations: try Migration.bundled())
            let before = try await migrator.status(on: connection)
            #expect(!before.isEmpty)
            #expect(before.allSatisfy { $0.state == .pending })
            let applied = try await migrator.migrate(on: connection)
            #expect(applied.count == before.count)
            let after = try await migrator.status(on: connection)
            for entry in after {
                guard case .applied(_, let by) = entry.state else {
                    Issue.record("\(entry.fileName) is \(entry.state) after migrating")
                    continue
                }
                #expect(by.contains("@"))
            }
            #expect(try await migrator.migrate(on: connection).isEmpty)
        }
    }

    @Test("a migrations folder that is a file, or a migration that is a folder, is named as such")
    func foldersAndFilesNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("0001_tables.sql"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: MigrationError.self) { try Migration.load(from: directory) }
        do {
            _ = try Migration.load(from: directory)
        } catch {
            #expect("\(error)" == "cannot read migration \(directory.path)/0001_tables.sql: is a directory")
        }

        let file = directory.appendingPathComponent("notes.txt")
        try "not a folder".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try Migration.load(from: file)
            Issue.record("a file was read as a folder of migrations")
        } catch {
            #expect("\(error)" == "cannot read migrations from \(file.path): not a directory")
        }
    }
}
