import BenefitCore
import BenefitScheduler
import BenefitTestSupport
@testable import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// What a recuperation run's page shows of its waitlist, and how it is read.
@Suite("Recuperation: the waitlist on a run's page")
struct RecuperationWaitlistPageTests {
    @Test("a run's page counts its waitlist and shows its first members in rank order")
    func firstWaitingInRankOrder() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            for number in 1...60 { try await RecuperationFixtures.insertMember("W\(number)", on: pool) }
            try await ProgramFixtures.apply(
                RecuperationFixtures.campaignYAML(name: "spring", batchSize: 7, parameters: "{ \(RecuperationPlacementTests.smallSites) }"),
                on: pool)
            let run = try await RecuperationPlacementTests.run("spring", pool: pool)
            #expect(run.state == .succeeded)

            let results = try #require(try await ProgramResults.read(runID: run.runID, program: RecuperationProgram.name, on: pool))
            // Five places: the other 55 wait, and the page shows the first 20 of them by rank.
            #expect(results.waitlisted == 55)
            let byRank = try await pool.query("""
                SELECT rank, member_id, reason FROM benefit.waitlist_entry WHERE run_id = \(run.runID) ORDER BY rank LIMIT 20
                """).decode((Int, String, String).self).map { ProgramResults.Waiting(rank: $0.0, memberID: $0.1, reason: $0.2) }
            #expect(byRank.count == ProgramResults.waitingLimit && results.waiting == byRank)
            #expect(byRank.first?.rank == 6)
        }
    }
}
