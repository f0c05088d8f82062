import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Who may see and write seasonal relief: administrators read the views, workers write the effects.
@Suite("Seasonal relief: views and roles")
struct ReliefRoleTests {
    static let parameters = #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 48000 }"#

    /// 100 tier-3 members, a budget for 60 of them, one run done.
    static func finishedRun(pool: PostgresPool, workerPool: PostgresPool? = nil) async throws -> RunSummary {
        try await ReliefFixtures.insertUniformMembers(100, tier: 3, on: pool)
        try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter-warmth", batchSize: 30, parameters: parameters), on: pool)
        return try await ProgramFixtures.runToEnd("winter-warmth", queue: ReliefFixtures.queue, pool: pool, workerPool: workerPool)
    }

    @Test("benefit_admin reads grants, the waitlist and budgets through the views, and no base table")
    func administratorReadsTheViews() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            let run = try await Self.finishedRun(pool: pool)
            #expect(run.state == .succeeded)
            let connection = try await PostgresConnection.connect(to: configuration)

            let grants = try await connection.acting(as: .admin) {
                try await $0.query("""
                    SELECT member_id, campaign, cycle, run_id, job_id, created_at, season, tier, amount
                    FROM benefit.grants ORDER BY member_id
                    """).decode((String, String, String, Int, Int, Date, String, Int?, Decimal).self)
            }
            #expect(grants.count == 60)
            #expect(grants.first.map { [$0.0, $0.1, $0.2, $0.6] } == ["M000001", "winter-warmth", "2026", "winter-warmth"])
            #expect(grants.allSatisfy { $0.3 == run.runID && $0.7 == 3 && $0.8 == 800 })

            let waitlist = try await connection.acting(as: .admin) {
                try await $0.query("""
                    SELECT member_id, campaign, cycle, run_id, job_id, created_at, program, rank, reason
                    FROM benefit.waitlist ORDER BY rank
                    """).decode((String, String, String, Int, Int, Date, String, Int, String).self)
            }
            #expect(waitlist.count == 40)
            #expect(waitlist.first.map { [$0.0, $0.6, $0.8] } == ["M000061", "seasonal-relief", "budget exhausted (remaining 0.00, needed 800.00)"])
            #expect(waitlist.first?.7 == 61)

            let budgets = try await connection.acting(as: .admin) {
                try await $0.query("SELECT campaign, cycle, budget, spent, remaining FROM benefit.budgets")
                    .decode((String, String, Decimal, Decimal, Decimal).self)
            }
            #expect(budgets.count == 1)
            #expect(budgets.first.map { [$0.2, $0.3, $0.4] } == [48_000, 48_000, 0])

            for table in ["benefit.grant", "benefit.waitlist_entry", "benefit.relief_budget", "benefit.relief_allotment"] {
                let error = await #expect(throws: PostgresError.self, "\(table)") {
                    try await connection.acting(as: .admin) {
                        try await $0.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))
                    }
                }
                #expect(error?.sqlState == "42501", "\(table)")
            }
            let write = await #expect(throws: PostgresError.self) {
                try await connection.acting(as: .admin) { try await $0.query("DELETE FROM benefit.grants") }
            }
            #expect(["42501", "55000"].contains(write?.sqlState))
        }
    }

    @Test("docs/sql.md's seasonal-relief queries run as benefit_admin and answer from a real run")
    func documentedQueriesAnswer() async throws {
        let queries = try (DocumentedSQL.queries(section: "Seasonal relief") + DocumentedSQL.queries(section: "Recuperation")).filter {
            $0.contains("benefit.grants") || $0.contains("benefit.budgets") || $0.contains("benefit.waitlist")
        }
        #expect(queries.count >= 2)
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            _ = try await Self.finishedRun(pool: pool)
            let connection = try await PostgresConnection.connect(to: configuration)
            // Query 11 asks for 2026's winter grants (Shanghai time): the grants are dated
            // inside that year, whatever today is. Grants refuse updates by trigger, so the
            // backdating skips triggers for its one statement.
            try await connection.transaction { tx in
                try await tx.query("SET LOCAL session_replication_role = replica")
                try await tx.query("UPDATE benefit.grant SET created_at = timestamptz '2026-12-01 09:00:00+08'")
            }
            var answers: [Int] = []
            for query in queries {
                answers.append(try await connection.acting(as: .admin) { try await $0.query(PostgresQuery(unsafeSQL: query)).count })
            }
            // 11: the 60 winter grants made in 2026; 12: the one budget;
            // 16: the recuperation waitlist, empty here.
            #expect(answers == [60, 1, 0], "\(queries)")
        }
    }

    @Test("workers logged in as a benefit_worker role plan and run a seasonal-relief run")
    func workerRoleSuffices() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .worker) { configuration, login in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            #expect(try await login.query("SELECT pg_has_role(current_user, 'benefit_worker', 'MEMBER') AND NOT rolsuper FROM pg_roles WHERE rolname = current_user").single(Bool.self))
            let run = try await Self.finishedRun(pool: pool, workerPool: login)
            #expect(run.state == .succeeded)
            #expect(run.amountTotal == 48_000)
        }
    }
}
