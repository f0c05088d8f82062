import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// What was paid, as `aid report` and docs/sql.md's queries tell it.
@Suite("Hardship aid: reports")
struct AidReportTests {
    @Test("aid report and the documented queries, run as benefit_admin, count the people helped and the money paid alike")
    func reportAndDocumentedQueriesAgree() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await AidFixtures.insertMembers(40, on: pool)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(batchSize: 4), on: pool)
            // 20 awards, and a second for one member (6,000 asked, 250 approved), who counts once among the people helped.
            try await AidFixtures.insertApprovedAwards(20, on: pool)
            try await pool.query("""
                INSERT INTO benefit.aid_application (campaign_id, member_id, category, requested, statement, recorded_by,
                    recorded_os_user, state, decided_by, decided_os_user, decided_at, decision_reason, approved_amount, approval_seq)
                SELECT campaign_id, member_id, 'education', 6000, 'second case', 'clerk', 'clerk@test', 'approved',
                       'reviewer', 'reviewer@test', now(), 'test', 250, 21
                FROM benefit.aid_application WHERE approval_seq = 1
                """)
            _ = try await AidFund.deposit(100_000, into: AidFixtures.fund, source: "opening", by: "test@ops", on: pool)
            let run = try await ProgramFixtures.runToEnd("hardship-aid", queue: AidFixtures.queue, workers: 2, pool: pool)
            #expect(run.state == .succeeded && run.membersTotal == 21)

            let year = try await pool.query("SELECT date_part('year', now() AT TIME ZONE 'Asia/Shanghai')::integer").single(Int.self)
            let report = try await AidReport.read(year: year, on: pool)
            let paid = AidFixtures.awardAmounts(20).reduce(Decimal(250), +)
            #expect(report.total.people == 20 && report.total.payments == 21 && report.total.amount == paid)
            #expect(report.byCategory.map(\.group) == ["education", "illness"])
            #expect(report.byCategory.map(\.people) == [1, 20])
            #expect(report.byService.map(\.group) == ["in service", "retired"])
            #expect(report.byService.reduce(0) { $0 + $1.payments } == 21)
            #expect(report.byOrgUnit.reduce(Decimal(0)) { $0 + $1.amount } == paid)
            #expect(try await AidReport.read(year: year - 1, on: pool).total.payments == 0)

            // Every query of docs/sql.md's Hardship aid section runs as benefit_admin, and the first agrees with the report.
            let text = try DocumentedSQL.text()
            let section = try #require(text.range(of: "## Hardship aid").flatMap { start in
                text.range(of: "\n## ", range: start.upperBound..<text.endIndex).map { text[start.lowerBound..<$0.lowerBound] }
            })
            let queries = try DocumentedSQL.queries().filter { section.contains($0) }
            #expect(queries.count >= 5)
            let connection = try await PostgresConnection.connect(to: configuration)
            for query in queries {
                let adapted = query.replacingOccurrences(of: "= 2026", with: "= \(year)")
                let rows = try await connection.acting(as: .admin) { try await $0.query(PostgresQuery(unsafeSQL: adapted)).count }
                #expect(rows > 0 || query.contains("status = 'approved'"), "no answer:\n\(query)")
            }
            let byCategory = try await connection.acting(as: .admin) {
                try await $0.query(PostgresQuery(unsafeSQL: queries[0].replacingOccurrences(of: "= 2026", with: "= \(year)")))
                    .decode((String, Int, Int, Decimal).self)
            }
            #expect(byCategory.map(\.0).sorted() == report.byCategory.map(\.group))
            #expect(byCategory.reduce(Decimal(0)) { $0 + $1.3 } == paid)
        }
    }
}
