import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation

/// A program whose batches fail while `test_broken` holds one of their ranks:
/// an operator "fixes" it by deleting the row, then retries the dead batches.
struct FixableProgram: BenefitProgram {
    let program = "fixable"

    func problems(in parameters: JSONValue) -> [ParameterProblem] {
        parameters["members"]?.numberValue == nil ? [ParameterProblem(path: "members", message: "required")] : []
    }

    func population(_ run: RunContext) throws -> PostgresQuery {
        let members = Int(truncating: (run.parameters["members"]?.numberValue ?? 0) as NSDecimalNumber)
        return "SELECT 'F-' || g, g FROM generate_series(1, \(members)) AS g"
    }

    func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let last = batch.firstRank + batch.memberIDs.count - 1
        if try await transaction.query("SELECT count(*) FROM test_broken WHERE rank BETWEEN \(batch.firstRank) AND \(last)").single(Int.self) > 0 {
            throw PermanentFailure("test_broken holds a rank of this batch")
        }
        try await transaction.query("INSERT INTO benefit.drill_effect (job_id, run_id, member_id) SELECT \(batch.jobID), \(batch.run.runID), unnest(\(batch.memberIDs))")
        return BatchOutcome(members: batch.memberIDs.count, amount: Decimal(batch.memberIDs.count) * Decimal(string: "12.50")!)
    }
}

enum RunFixtures {
    static let programs = ProgramCatalog([DrillProgram(), FixableProgram()])

    /// A campaign file for tests.
    static func campaignYAML(
        name: String, program: String, cron: String = "0 9 * * *", timezone: String = "UTC",
        catchUp: String = "latest", overlap: String = "skip", batchSize: Int = 500, concurrency: Int? = nil,
        queue: String = "runs", parameters: String
    ) -> String {
        """
        name: \(name)
        program: \(program)
        schedule:
          timezone: \(timezone)
          cron: "\(cron)"
          catchUp: \(catchUp)
          overlap: \(overlap)
        execution:
          queue: \(queue)
          batchSize: \(batchSize)
          maxAttempts: 2
          backoff: { initial: 1s, max: 2s }
          lease: 10s
        \(concurrency.map { "  concurrency: \($0)" } ?? "")
        parameters: \(parameters)
        """
    }

    /// Parses and applies a campaign file through the store.
    @discardableResult
    static func apply(_ yaml: String, on pool: PostgresPool) async throws -> [CampaignStore.Change] {
        try await ProgramFixtures.apply(yaml, catalog: programs, on: pool)
    }

    /// A worker running campaign jobs with the test programs.
    static func worker(pool: PostgresPool, queue: String = "runs", name: String, concurrency: Int = 4) -> Worker {
        ProgramFixtures.worker(pool: pool, queue: queue, name: name, concurrency: concurrency, catalog: programs)
    }

    /// Polls until the run ends. Each poll also runs the finisher once, as the
    /// `RunFinisherService` beside every `benefit worker` process does each second.
    static func waitForFinalState(_ runID: Int, pool: PostgresPool, timeout: Duration = .seconds(60)) async throws -> RunSummary? {
        var last: RunSummary?
        let finisher = RunFinisher(pool: pool, logger: TestDatabase.quietLogger)
        _ = try await eventually(timeout: timeout) {
            try await finisher.runOnce(runID: runID)
            last = try await RunHistory.find(runID, on: pool)
            return last?.state.isFinal == true
        }
        return last
    }
}
