import BenefitCore
import BenefitScheduler
import BenefitTestSupport
@testable import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// The org units register: its file's checks, the import, and a generated roster's register.
@Suite("Roster: the org units register")
struct OrgUnitRegisterTests {
    static func auditRows(on pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM benefit.audit_event WHERE action = 'roster.units'").single(Int.self)
    }

    @Test("a bad file names each bad record's line and column, and nothing is written")
    func badFileWritesNothing() async throws {
        let file = try TemporaryFiles.write("""
            org_unit,district
            东一厂,城东区
            西厂,
            南厂,城南区,多余
            东一厂,城西区
            "北厂,城北区

            """, named: "units-bad.csv")
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let error = await #expect(throws: RosterError.self) {
                try await OrgUnitRegister.importFile(path: file, by: "tester@tests", on: pool)
            }
            #expect(error?.problemLines == [
                "\(file):3: district: empty",
                "\(file):4: 3 fields; expected 2 (org_unit,district)",
                "\(file):5: org_unit: \"东一厂\" is already listed on line 2",
                "\(file):6: org_unit: a quoted field is not closed before the end of the file",
            ])
            #expect(error?.summary == "4 problems in \(file); nothing was imported")
            #expect(try await pool.query("SELECT count(*) FROM benefit.org_unit").single(Int.self) == 0)
            #expect(try await Self.auditRows(on: pool) == 0)

            let header = try TemporaryFiles.write("unit,district\n东一厂,城东区\n", named: "units-header.csv")
            let wrong = await #expect(throws: RosterError.self) { try await OrgUnitRegister.importFile(path: header, by: "tester@tests", on: pool) }
            #expect(wrong?.code == .badHeader)
        }
    }

    @Test("an import adds units and changes districts, leaves the rest, and is audited")
    func importUpserts() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let first = try TemporaryFiles.write("org_unit,district\n东一厂,城东区\n西厂,城西区\n南厂,城南区\n", named: "units-1.csv")
            let summary = try await OrgUnitRegister.importFile(path: first, by: "tester@tests", on: pool)
            #expect(summary == .init(added: 3, updated: 0, unchanged: 0))
            let second = try TemporaryFiles.write("org_unit,district\n西厂,高新区\n南厂,城南区\n北厂,城北区\n", named: "units-2.csv")
            #expect(try await OrgUnitRegister.importFile(path: second, by: "tester@tests", on: pool) == .init(added: 1, updated: 1, unchanged: 1))
            let register = try await pool.query("SELECT org_unit, district FROM benefit.org_units ORDER BY org_unit COLLATE \"C\"")
                .decode((String, String).self)
            #expect(register.map { "\($0.0)=\($0.1)" } == ["东一厂=城东区", "北厂=城北区", "南厂=城南区", "西厂=高新区"])
            #expect(try await Self.auditRows(on: pool) == 2)
        }
    }

    @Test("a generated roster's register gives every member's unit its district, and the example campaign overflows a district")
    func generatedRegisterAndTheExample() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            _ = try await RosterImport.generated(count: 2_000, seed: 7, on: pool)
            let units = try await OrgUnitRegister.generated(count: 2_000, on: pool)
            #expect(units.added == RosterGenerator.units(count: 2_000).count)
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.member m LEFT JOIN benefit.org_unit u USING (org_unit) WHERE u.district IS NULL
                """).single(Int.self) == 0)
            // Generated unit names begin with their district; the large workplaces have one each.
            let mismatched = RosterGenerator.units(count: 30_000).dropFirst(RosterNames.largeWorkplaces.count)
                .filter { !$0.orgUnit.hasPrefix($0.district) }
            #expect(mismatched.isEmpty)

            guard let example = try ExampleCampaigns.all().first(where: { $0.fileName == "spring-job-fairs.yaml" }) else {
                throw TestSetupError("no example campaign spring-job-fairs.yaml")
            }
            _ = try await CampaignStore.apply([example], dryRun: false, by: "tester@tests", on: pool)
            let run = try await ProgramFixtures.runToEnd("spring-job-fairs", queue: "job-fairs", workers: 2, pool: pool)
            #expect(run.state == .succeeded)
            let fairs = try await pool.query("""
                SELECT fair, district, capacity, places_filled FROM benefit.job_fairs WHERE campaign = 'spring-job-fairs' ORDER BY position
                """).decode((String, String, Int, Int).self)
            #expect(fairs.count == 5)
            #expect(fairs.allSatisfy { $0.3 <= $0.2 })
            let reasons = try await pool.query("""
                SELECT DISTINCT split_part(reason, ' ', 1) FROM benefit.waitlist WHERE campaign = 'spring-job-fairs'
                """).decode(String.self)
            // Some district overflows its fairs, and some district has none.
            #expect(Set(reasons) == ["all", "no"])
            let full = try await pool.query("""
                SELECT count(*) FROM benefit.waitlist WHERE campaign = 'spring-job-fairs' AND reason LIKE 'all places at the fairs of 城东区%'
                """).single(Int.self)
            #expect(full > 0)
        }
    }
}
