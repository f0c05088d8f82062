import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Pause reasons")
struct PauseReasonTests {
    @Test("a reason says something, in at most 500 characters PostgreSQL can store", arguments: [
        ("budget review", nil),
        (String(repeating: "因", count: 500), nil),
        (String(repeating: "因", count: 501), "501 characters, more than the 500 allowed"),
        (" \t", "empty; say why the campaign is paused"),
        ("a\u{0}b", "contains U+0000 (NUL), which PostgreSQL cannot store in text"),
    ])
    func reasonRules(reason: String, problem: String?) {
        #expect(CampaignStore.pauseReasonProblem(reason) == problem)
    }

    @Test("pausing with a reason that breaks the rules is refused before anything is written")
    func refusedReasonWritesNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            try await RunFixtures.apply(CampaignText.yaml(name: "held", program: "synthetic", parameters: "{ members: 5 }"), on: pool)
            await #expect(throws: CampaignStore.InvalidPauseReason.self) {
                try await CampaignStore.pause("held", reason: String(repeating: "r", count: 501), by: "tester@tests", on: pool)
            }
            #expect(try await pool.query("SELECT paused FROM benefit.campaign WHERE name = 'held'").single(Bool.self) == false)
        }
    }
}
