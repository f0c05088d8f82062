import BenefitQueue
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

    /// Runs `benefit ARGUMENTS` as `login`, expects exit `code`, and returns its standard output and error.
    @discardableResult
    static func expect(_ arguments: [String], as login: PostgresConfiguration, exit code: Int32 = 0) async throws -> (out: String, err: String) {
        let outcome = try await run(arguments, as: login)
        #expect(outcome.exitCode == code, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
        return (outcome.standardOutput, outcome.standardError)
    }

    /// Works run `runID`'s jobs with an in-process worker on `queue` until every one
    /// has succeeded (the run's planning job and its batches).
    static func workToTheEnd(run runID: Int, queue: String, on pool: PostgresPool) async throws {
        let worker = Worker(pool: pool, registry: BenefitPrograms.registry(), configuration: .forTests(queues: [queue], name: queue),
                            logger: TestDatabase.quietLogger)
        try await withWorker(worker) { () async throws in
            #expect(try await eventually(timeout: .seconds(120)) {
                try await pool.query("""
                    SELECT count(*) FILTER (WHERE state = 'succeeded') > 1 AND count(*) FILTER (WHERE state <> 'succeeded') = 0
                    FROM benefit.jobs WHERE run_id = \(runID)
                    """).single(Bool.self)
            }, "run \(runID)'s jobs did not all succeed")
        }
    }
}
