import BenefitTestSupport
@testable import BenefitWorkers
import PostgresClient
import Testing

/// The member number's rule, held twice: by the table's CHECK
/// (migrations/0036_member_number_check.sql) and by the importer, which names a
/// bad number with its line before anything is sent (`RosterValue.isMemberID`).
@Suite("Roster: the member number's rule")
struct MemberNumberRuleTests {
    static let numbers = [
        "A", "7", "M0000001", "m-2", "a.b-c_d", String(repeating: "x", count: 32), "Z" + String(repeating: "_", count: 31),
        "", "_a", ".a", "-a", String(repeating: "x", count: 33), "a b", "a/b", "a+b", "é", "a\u{e9}", "王伟", "a\nb", "a\t",
    ]

    @Test("the table accepts exactly the numbers the importer accepts: 1 to 32 of letters, digits, _ . -, beginning with a letter or digit")
    func tableAndImporterAgree() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            var accepted: [String] = []
            for number in Self.numbers {
                do {
                    try await pool.query("""
                        INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
                        VALUES (\(number), '王伟', 'U', 'M', DATE '1980-01-01', 'staff')
                        """)
                    accepted.append(number)
                } catch let error as PostgresError {
                    #expect(error.sqlState == "23514", "\(number.debugDescription): \(error.description)")
                }
            }
            #expect(accepted == Self.numbers.filter(RosterValue.isMemberID))
            #expect(accepted.count == 7)
            #expect(try await pool.query("SELECT count(*) FROM benefit.member").single(Int.self) == 7)
        }
    }
}
