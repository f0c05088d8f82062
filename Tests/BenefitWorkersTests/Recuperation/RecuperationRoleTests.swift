import BenefitCore
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Who may see and write recuperation: administrators read the view, workers write the effects.
@Suite("Recuperation: views and roles")
struct RecuperationRoleTests {
    static let parameters = """
        { sites: [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 4 }] },
                  { name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 3 }] }] }
        """

    /// Ten members, seven places, one run done.
    static func finishedRun(pool: PostgresPool, workerPool: PostgresPool? = nil) async throws -> RunSummary {
        for index in 1...10 { try await RecuperationFixtures.insertMember("R\(index)", on: pool) }
        try await ProgramFixtures.apply(
            RecuperationFixtures.campaignYAML(name: "spring-recuperation", batchSize: 3, parameters: parameters), on: pool)
        return try await ProgramFixtures.runToEnd(
            "spring-recuperation", queue: RecuperationFixtures.queue, pool: pool, workerPool: workerPool)
    }

    @Test("benefit_admin reads allocations through the view, and no base table")
    func administratorReadsTheView() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            let run = try await Self.finishedRun(pool: pool)
            #expect(run.state == .succeeded)
            let connection = try await PostgresConnection.connect(to: configuration)

            let allocations = try await connection.acting(as: .admin) {
                try await $0.query("""
                    SELECT member_id, campaign, cycle, run_id, job_id, created_at, site, session_start, rank, session_days, session_capacity, seat
                    FROM benefit.allocations ORDER BY rank
                    """).decode((String, String, String, Int, Int, Date, String, CalendarDate, Int, Int, Int, Int).self)
            }
            #expect(allocations.count == 7)
            #expect(allocations.map(\.8) == Array(1...7))
            #expect(allocations.map(\.6) == ["沙家浜", "沙家浜", "沙家浜", "沙家浜", "尚湖", "尚湖", "尚湖"])
            #expect(allocations.map(\.10) == [4, 4, 4, 4, 3, 3, 3])
            #expect(allocations.map(\.11) == [1, 2, 3, 4, 1, 2, 3])
            #expect(allocations.allSatisfy { $0.1 == "spring-recuperation" && $0.2 == "2026" && $0.3 == run.runID && $0.9 == 5 })

            let waitlist = try await connection.acting(as: .admin) {
                try await $0.query("SELECT program, rank, reason FROM benefit.waitlist ORDER BY rank").decode((String, Int, String).self)
            }
            #expect(waitlist.map(\.1) == [8, 9, 10])
            #expect(waitlist.first.map { [$0.0, $0.2] } == ["recuperation", "all places are taken (7 places in 2 sessions)"])

            for table in ["benefit.allocation", "benefit.recuperation_session", "benefit.recuperation_plan"] {
                let error = await #expect(throws: PostgresError.self, "\(table)") {
                    try await connection.acting(as: .admin) {
                        try await $0.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))
                    }
                }
                #expect(error?.sqlState == "42501", "\(table)")
            }
        }
    }

    @Test("docs/sql.md's recuperation queries run as benefit_admin and answer from a real run")
    func documentedQueriesAnswer() async throws {
        let queries = try DocumentedSQL.queries(section: "Recuperation")
        #expect(queries.count == 2)
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            _ = try await Self.finishedRun(pool: pool)
            let connection = try await PostgresConnection.connect(to: configuration)
            var answers: [Int] = []
            for query in queries {
                answers.append(try await connection.acting(as: .admin) { try await $0.query(PostgresQuery(unsafeSQL: query)).count })
            }
            // Places per session (two sessions), and the waitlist (three members).
            #expect(answers == [2, 3])
        }
    }

    @Test("workers logged in as a benefit_worker role plan and run a recuperation run")
    func workerRoleSuffices() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .worker) { configuration, login in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            let run = try await Self.finishedRun(pool: pool, workerPool: login)
            #expect(run.state == .succeeded)
            #expect(try await RecuperationFixtures.placements("spring-recuperation", on: pool).count == 7)
        }
    }
}
