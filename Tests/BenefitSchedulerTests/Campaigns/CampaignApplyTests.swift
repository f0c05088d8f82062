import BenefitScheduler
import BenefitTestSupport
import PostgresClient
import Testing

@Suite("Campaign files applied together")
struct CampaignApplyTests {
    static func source(_ name: String, members: Int) throws -> CampaignStore.Source {
        try CampaignStore.Source(
            parsing: CampaignText.yaml(name: name, program: "synthetic", parameters: "{ members: \(members) }"),
            fileName: "\(name).yaml", validators: RunFixtures.programs.validators)
    }

    @Test("applies of the same files given in other orders, at once, wait for each other and never deadlock; changes come back in file order")
    func concurrentAppliesInAnyOrder() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            let names = ["alpha", "beta", "gamma"]
            let created = try await CampaignStore.apply(try names.map { try Self.source($0, members: 0) }, dryRun: false, by: "t", on: pool)
            #expect(created.map(\.campaign) == names)
            // Each round, two applies revise all three campaigns, one in file order and one reversed.
            for round in 1...20 {
                let forward = try names.map { try Self.source($0, members: 2 * round) }
                let backward = try names.reversed().map { try Self.source($0, members: 2 * round + 1) }
                async let first = CampaignStore.apply(forward, dryRun: false, by: "t", on: pool)
                async let second = CampaignStore.apply(backward, dryRun: false, by: "t", on: pool)
                let (a, b) = try await (first, second)
                #expect(a.map(\.campaign) == names && b.map(\.campaign) == names.reversed())
            }
            #expect(try await pool.query("SELECT min(revision), max(revision) FROM benefit.campaign").single((Int, Int).self) == (41, 41))
        }
    }
}
