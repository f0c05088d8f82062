import BenefitQueue
import PostgresClient

/// `campaign.plan`: selects a run's population, records its batches, puts them on the queue.
///
/// All in the planning job's fenced commit, so a run is planned exactly once
/// however often its planning job is retried: the batches (``RunBatchQueries``),
/// their jobs (the queue's fan-out from those rows), and the run marked running
/// with its totals commit together or not at all.
public struct PlanningHandler: JobHandler {
    public let kind = RunLauncher.planKind
    let programs: ProgramCatalog

    public init(programs: ProgramCatalog) { self.programs = programs }

    struct Payload: Decodable { let run: Int }

    public func run(_ context: JobContext) async throws {
        let runID = try context.job.decodePayload(Payload.self).run
        let programs = programs
        // One snapshot for the whole plan: what `prepare` counts is what the
        // population ranks, even while the roster is being imported.
        let (batches, members) = try await context.commit(isolation: .repeatableRead) { transaction in
            let run = try await RunContext.load(runID: runID, on: transaction)
            let program = try run.program(in: programs)
            try await program.prepare(run, on: transaction)
            let execution = run.definition.execution
            let ranked = try await transaction.query(RunBatchQueries.plan(
                runID: runID, population: try program.population(run), batchSize: execution.batchSize)).single(Int.self)
            try await program.populationPlanned(run, members: ranked, on: transaction)
            let enqueued = try await JobQueue.enqueue(
                RunLauncher.batchTemplate(for: run), rows: RunBatchQueries.payloads(runID: runID), on: transaction)
            try await transaction.query(RunBatchQueries.attachJobs(
                runID: runID, batches: enqueued.map(\.reference), jobIDs: enqueued.map(\.id)))
            return try await transaction.query(RunQueries.markPlanned(runID: runID)).single((Int, Int).self)
        }
        context.logger.info("run planned", metadata: ["run_id": "\(runID)", "batches": "\(batches)", "members": "\(members)"])
    }
}
