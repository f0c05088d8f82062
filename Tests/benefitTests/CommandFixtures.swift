import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import PostgresClient
import Testing

enum CommandFixtures {
    /// Parses a campaign file with the programs `benefit` knows and applies it.
    @discardableResult
    static func apply(_ yaml: String, on pool: PostgresPool) async throws -> [CampaignStore.Change] {
        let source = try CampaignStore.Source(parsing: yaml, fileName: "test.yaml", validators: BenefitPrograms.catalog.validators)
        return try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
    }

    /// Runs `benefit ARGUMENTS` logged in as `login` (its `DATABASE_URL`).
    static func run(_ arguments: [String], as login: PostgresConfiguration) async throws -> BenefitProcess.Outcome {
        try await BenefitProcess.run(arguments, environment: ["DATABASE_URL": try TestDatabase.url(of: login)])
    }

    /// Runs `benefit ARGUMENTS` as `login`, expects exit 0, and returns its standard output.
    @discardableResult
    static func succeed(_ arguments: [String], as login: PostgresConfiguration) async throws -> String {
        let outcome = try await run(arguments, as: login)
        #expect(outcome.exitCode == 0, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
        return outcome.standardOutput
    }
}
