import BenefitScheduler
import BenefitWorkers
import PostgresClient

enum CommandFixtures {
    /// Parses a campaign file with the programs `benefit` knows and applies it.
    @discardableResult
    static func apply(_ yaml: String, on pool: PostgresPool) async throws -> [CampaignStore.Change] {
        let source = try CampaignStore.Source(parsing: yaml, fileName: "test.yaml", validators: BenefitPrograms.catalog.validators)
        return try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
    }
}
