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
}
