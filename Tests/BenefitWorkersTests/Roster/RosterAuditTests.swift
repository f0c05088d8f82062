import BenefitAudit
import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

@Suite("Roster imports in the audit trail")
struct RosterAuditTests {
    @Test("an operator login's import leaves one row with the file and its counts; a dry run and a refused file leave none")
    func importIsRecordedWithItsCounts() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            let path = TemporaryFiles.path(named: "roster.csv")
            try RosterGenerator.writeCSV(count: 20, seed: 1, asOf: RosterGeneratorTests.asOf, toFile: path)
            let today = CalendarDate(year: 2030, month: 1, day: 1)!
            _ = try await RosterImport.run(path: path, dryRun: true, today: today, by: "alice@ops-1", on: login)
            let summary = try await RosterImport.run(path: path, today: today, by: "alice@ops-1", on: login)
            #expect(summary.added == 20)
            let refused = try TemporaryFiles.write("not a roster\n", named: "refused.csv")
            await #expect(throws: RosterError.self) { try await RosterImport.run(path: refused, today: today, by: "alice@ops-1", on: login) }

            let events = try await AuditTrail.events(AuditFilter(), on: owner)
            #expect(events.map(\.action) == [.rosterImport])
            #expect(events.first?.target == path && events.first?.operatorName == "alice@ops-1")
            #expect(events.first?.databaseUser == login.configuration.parameter("user"))
            #expect(events.first?.details == ["added": 20, "updated": 0, "unchanged": 0])
        }
    }
}
