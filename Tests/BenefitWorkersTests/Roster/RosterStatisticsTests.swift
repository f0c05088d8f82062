import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// A roster import leaves the planner statistics of `benefit.member` behind it
/// (migrations/0020_roster_statistics.sql), so a run triggered right after plans
/// on the roster's real size.
@Suite("Roster import statistics")
struct RosterStatisticsTests {
    @Test("an import by a benefit_operator login brings the roster's statistics up to date in its transaction; a dry run leaves them")
    func importAnalysesTheRoster() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            // Autovacuum off for the roster: only the import can have analysed it.
            try await owner.query("ALTER TABLE benefit.member SET (autovacuum_enabled = false)")
            func statistics() async throws -> (rows: Double, orgUnits: Int) {
                try await owner.query("""
                    SELECT c.reltuples::float8,
                           (SELECT count(*) FROM pg_stats s WHERE s.schemaname = 'benefit' AND s.tablename = 'member' AND s.attname = 'org_unit')::integer
                    FROM pg_class c WHERE c.oid = 'benefit.member'::regclass
                    """).single((Double, Int).self)
            }
            #expect(try await statistics() == (-1, 0))

            let members = Array(RosterGenerator(count: 3_000, seed: 5, asOf: CalendarDate(year: 2026, month: 1, day: 1)!))
            let path = try RosterImportTests.write(members, named: "roster.csv")
            defer { try? FileManager.default.removeItem(atPath: path) }

            let dry = try await RosterImport.run(path: path, dryRun: true, by: "tester@tests", on: login)
            #expect(dry.added == 3_000)
            #expect(try await statistics() == (-1, 0))

            let imported = try await RosterImport.run(path: path, by: "tester@tests", on: login)
            #expect(imported.added == 3_000)
            #expect(try await statistics() == (3_000, 1))
        }
    }
}
