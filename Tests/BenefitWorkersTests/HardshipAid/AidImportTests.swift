import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `aid import`: all or nothing, every problem at its line and column.
@Suite("Hardship aid: importing applications")
struct AidImportTests {
    static let header = "member_id,category,amount,statement,evidence\n"

    /// Runs `body` on a fresh database with 12 members and the campaign.
    static func withCampaign(_ body: (PostgresPool) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            try await AidFixtures.insertMembers(12, on: pool)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(), on: pool)
            try await body(pool)
        }
    }

    static func written(on pool: PostgresPool) async throws -> (applications: Int, audit: Int) {
        try await pool.query("""
            SELECT (SELECT count(*) FROM benefit.aid_application), (SELECT count(*) FROM benefit.audit WHERE action LIKE 'aid.%')
            """).single((Int, Int).self)
    }

    @Test("a good file is recorded whole, with one aid.import audit row naming the file")
    func goodFileIsRecorded() async throws {
        try await Self.withCampaign { pool in
            let path = try TemporaryFiles.write(Self.header + """
                A00001,illness,8000,"住院治疗, 自付费用高",住院发票-118.pdf; 诊断证明.pdf
                A00003,education,2500.50,子女学费,
                A00004,illness,1200,门诊,"2026-017"
                """, named: "aid-good.csv")
            let ids = try await AidApplicationFile.importFile(path: path, by: "clerk@ops", on: pool)
            #expect(ids.count == 3)
            let rows = try await pool.query("""
                SELECT member_id, category, requested, statement, evidence FROM benefit.aid_applications ORDER BY application_id
                """).decode((String, String, Decimal, String, [String]).self)
            #expect(rows.map(\.0) == ["A00001", "A00003", "A00004"])
            #expect(rows[0].3 == "住院治疗, 自付费用高" && rows[0].4 == ["住院发票-118.pdf", "诊断证明.pdf"])
            #expect(rows[1].2 == Decimal(string: "2500.50")! && rows[1].4.isEmpty)
            let audit = try await pool.query("SELECT target, details->>'applications' FROM benefit.audit WHERE action = 'aid.import'")
                .decode((String, String).self)
            #expect(audit.count == 1 && audit[0].0 == path && audit[0].1 == "3")
        }
    }

    @Test("bad records are each reported as FILE:LINE: COLUMN: problem, and nothing is written")
    func badRecordsNameLineAndColumn() async throws {
        try await Self.withCampaign { pool in
            let path = try TemporaryFiles.write(Self.header + """
                A00001,illness,8000,ok,
                A00003,illness,12.345,too many decimals,
                A00004,Illness,100,bad category,
                A00005,illness,100,,
                A00007,illness,100
                """, named: "aid-bad.csv")
            let error = await #expect(throws: RosterError.self) { try await AidApplicationFile.importFile(path: path, by: "clerk@ops", on: pool) }
            #expect(error?.problemLines == [
                "\(path):3: amount: \"12.345\" is not an amount: positive yuan with at most 2 decimals, such as 1200 or 800.50",
                "\(path):4: category: \"Illness\" is not a category name (lowercase letters, digits and -)",
                "\(path):5: statement: empty",
                "\(path):6: 3 fields; expected 5 (member_id,category,amount,statement,evidence)",
            ])
            #expect(error?.summary == "4 problems in \(path); nothing was imported")
            #expect(try await Self.written(on: pool) == (0, 0))
        }
    }

    @Test("a row the database refuses (not on the roster, not qualifying, unknown category) is named by its line, and nothing is written")
    func databaseRefusalNamesTheLine() async throws {
        try await Self.withCampaign { pool in
            for (row, column, message) in [
                ("Z00001,illness,100,not a member,", "member_id", "member Z00001 is not on the roster"),
                ("A00002,illness,100,a migrant worker,", "member_id", "member A00002 is migrant; this campaign takes staff, retired"),
                ("A00003,lottery,100,unknown category,", "category", "category lottery is not one of education, illness"),
            ] {
                let path = try TemporaryFiles.write(Self.header + "A00001,illness,100,fine,\n\(row)\n", named: "aid-refused.csv")
                let error = await #expect(throws: RosterError.self) { try await AidApplicationFile.importFile(path: path, by: "clerk@ops", on: pool) }
                #expect(error?.problemLines == ["\(path):3: \(column): \(message)"])
                #expect(try await Self.written(on: pool) == (0, 0))
            }
        }
    }

    @Test("a wrong header or an empty file is refused in one line")
    func wrongHeaderIsRefused() throws {
        let path = try TemporaryFiles.write("member,category,amount\nA00001,illness,100\n", named: "aid-header.csv")
        let error = #expect(throws: RosterError.self) { try AidApplicationFile.read(path: path) }
        #expect(error?.code == .badHeader)
        #expect(error?.summary.hasPrefix("\(path): line 1 must be the header member_id,category,amount,statement,evidence") == true)
        let empty = try TemporaryFiles.write(Self.header, named: "aid-empty.csv")
        #expect(throws: RosterError.self) { try AidApplicationFile.read(path: empty) }
    }
}
