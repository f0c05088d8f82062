import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient

/// `synthetic`: `members` made-up members (`S-1`, ...); each batch writes one
/// `test_effect` row per member in its fenced commit, after sleeping `sleepMs`.
/// A stand-in for a real program, so the runs layer is tested without them.
struct SyntheticProgram: BenefitProgram {
    var program = "synthetic"
    /// Money each member's effect counts for, if any.
    var amountPerMember: Decimal?
    /// Checked before a batch writes anything; a batch it throws for fails.
    var check: @Sendable (RunBatch, PostgresConnection) async throws -> Void = { _, _ in }

    func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        reader.checkTestProgramParameters(parameters)
    }

    func population(_ run: RunContext) throws -> PostgresQuery {
        let members = Int(truncating: (run.parameters["members"]?.numberValue ?? 0) as NSDecimalNumber)
        return "SELECT 'S-' || g, g FROM generate_series(1, \(members)) AS g"
    }

    func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        if let sleep = batch.run.parameters["sleepMs"]?.numberValue {
            try await Task.sleep(for: .milliseconds(Int(truncating: sleep as NSDecimalNumber)))
        }
        try await check(batch, transaction)
        try await transaction.query("INSERT INTO test_effect (job_id, run_id, member_id) SELECT \(batch.jobID), \(batch.run.runID), unnest(\(batch.memberIDs))")
        return BatchOutcome(members: batch.memberIDs.count, amount: amountPerMember.map { $0 * Decimal(batch.memberIDs.count) })
    }

    /// `fixable`: batches fail while `test_broken` holds one of their ranks, so an
    /// operator can "fix" it by deleting the row and retry the dead batches; each
    /// member counts for 12.50.
    static let fixable = SyntheticProgram(program: "fixable", amountPerMember: Decimal(string: "12.50")) { batch, transaction in
        if try await transaction.query("SELECT count(*) FROM test_broken WHERE rank = ANY (\(batch.ranks))").single(Int.self) > 0 {
            throw PermanentFailure("test_broken holds a rank of this batch")
        }
    }
}

extension CampaignValueReader {
    /// The test programs' parameters: `members` (required) and `sleepMs`, whole numbers.
    mutating func checkTestProgramParameters(_ parameters: SourceValue) {
        guard let block = block(parameters, keys: ["members", "sleepMs"]) else { return }
        if let members = required("members", in: block, what: "how many made-up members a run has") {
            _ = wholeNumber(members, in: 0...1_000_000, what: "members")
        }
        if let sleep = block["sleepMs"] {
            _ = wholeNumber(sleep, in: 0...60_000, what: "milliseconds")
        }
    }
}

enum RunFixtures {
    static let programs = ProgramCatalog([SyntheticProgram(), SyntheticProgram.fixable])

    /// Parses a campaign file with the test programs and applies it; creates the
    /// programs' `test_effect` table the first time.
    @discardableResult
    static func apply(_ yaml: String, catalog: ProgramCatalog = programs, on pool: PostgresPool) async throws -> [CampaignStore.Change] {
        try await pool.query("CREATE TABLE IF NOT EXISTS test_effect (job_id bigint NOT NULL, run_id bigint NOT NULL, member_id text NOT NULL)")
        let source = try CampaignStore.Source(parsing: yaml, fileName: "test.yaml", validators: catalog.validators)
        return try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
    }

    /// A worker running campaign jobs with the test programs.
    static func worker(
        pool: PostgresPool, queue: String = "runs", name: String, concurrency: Int = 4, catalog: ProgramCatalog = programs
    ) -> Worker {
        Worker(
            pool: pool, registry: HandlerRegistry([PlanningHandler(programs: catalog), BatchHandler(programs: catalog)]),
            configuration: .forTests(queues: [queue], name: name, concurrency: concurrency), logger: TestDatabase.quietLogger)
    }

    /// Polls until the run ends. Each poll also runs a finisher pass for the run,
    /// as the `RunFinisher` beside every `benefit worker` process does.
    static func waitForFinalState(_ runID: Int, pool: PostgresPool, timeout: Duration = .seconds(60)) async throws -> RunSummary? {
        var last: RunSummary?
        let finisher = RunFinisher(pool: pool, logger: TestDatabase.quietLogger)
        _ = try await eventually(timeout: timeout) {
            try await finisher.finish(runIDs: [runID])
            last = try await RunHistory.find(runID, on: pool)
            return last?.state.isFinal == true
        }
        return last
    }
}
