import BenefitQueue
import PostgresClient

/// `campaign.batch`: one batch of a run's members, written by the program in the
/// fenced commit together with what the batch did (``RunBatchQueries/recordDone``).
public struct BatchHandler: JobHandler {
    public let kind = RunLauncher.batchKind
    let programs: ProgramCatalog
    /// The campaigns' revisions this worker's batches read, decoded once each.
    let definitions = DecodedDefinitions()

    public init(programs: ProgramCatalog) { self.programs = programs }

    struct Payload: Decodable {
        let run: Int
        let batch: Int
    }

    public func run(_ context: JobContext) async throws {
        let payload = try context.job.decodePayload(Payload.self)
        let programs = programs, definitions = definitions
        let jobID = context.job.id
        try await context.commit { transaction in
            let run = try await RunContext.load(runID: payload.run, on: transaction, definitions: definitions)
            let program = try run.program(in: programs)
            guard let (memberIDs, ranks) = try await transaction.query(
                RunBatchQueries.members(runID: payload.run, batch: payload.batch)).first(([String], [Int]).self)
            else { throw PermanentFailure("run \(payload.run) has no batch \(payload.batch)") }
            let outcome = try await program.execute(
                RunBatch(run: run, jobID: jobID, memberIDs: memberIDs, ranks: ranks), on: transaction)
            try await transaction.query(RunBatchQueries.recordDone(
                runID: payload.run, batch: payload.batch, members: outcome.members, amount: outcome.amount))
        }
    }
}
