import BenefitQueue
import Foundation
import Logging
import PostgresClient

extension RunContext {
    /// Loads a run's context inside a transaction; nil when the run was cancelled.
    static func load(runID: Int, on connection: PostgresConnection) async throws -> (context: RunContext, cancelRequested: Bool) {
        guard let row = try await connection.query(RunQueries.context(runID: runID)).first(
            (Int, Int, String, Date, String, Bool, String).self)
        else { throw PermanentFailure("run \(runID) does not exist") }
        let definition: CampaignDefinition
        do {
            definition = try JSONDecoder().decode(CampaignDefinition.self, from: Data(row.6.utf8))
        } catch {
            throw PermanentFailure("run \(runID): its campaign revision cannot be read: \(error)")
        }
        let context = RunContext(
            runID: row.0, campaignID: row.1, campaign: row.2, fireTime: row.3, cycle: row.4,
            timeZone: definition.schedule.timeZone, parameters: definition.parameters, definition: definition)
        return (context, row.5)
    }
}

/// `campaign.plan`: selects a run's population and fans it out into batch jobs.
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
        let totals = try await context.commit(isolation: .repeatableRead) { transaction -> (batches: Int, members: Int)? in
            let (run, cancelled) = try await RunContext.load(runID: runID, on: transaction)
            if cancelled { return nil }
            guard let program = programs.program(named: run.definition.program) else {
                throw PermanentFailure("no program \"\(run.definition.program)\" in this worker (it has: \(programs.names.joined(separator: ", ")))")
            }
            try await program.prepare(run, on: transaction)
            let population = try program.population(run)
            let (batches, members) = try await transaction.query(
                RunQueries.fanOut(run: run, population: population, campaignID: run.campaignID)).single((Int, Int).self)
            return (batches: batches, members: members)
        }
        if let totals {
            context.logger.info("run planned", metadata: ["run_id": "\(runID)", "batches": "\(totals.batches)", "members": "\(totals.members)"])
        }
        try await RunFinisher(pool: context.pool, logger: context.logger).runOnce(runID: runID)
    }
}

/// `campaign.batch`: one batch of a run's members, written by the program in the fenced commit.
public struct BatchHandler: JobHandler {
    public let kind = RunLauncher.batchKind
    let programs: ProgramCatalog

    public init(programs: ProgramCatalog) { self.programs = programs }

    struct Payload: Decodable {
        let run: Int
        let firstRank: Int
        let members: [String]
    }

    public func run(_ context: JobContext) async throws {
        let payload = try context.job.decodePayload(Payload.self)
        let programs = programs
        let jobID = context.job.id
        try await context.commit { transaction in
            let (run, cancelled) = try await RunContext.load(runID: payload.run, on: transaction)
            if cancelled { throw PermanentFailure("run \(payload.run) was cancelled") }
            guard let program = programs.program(named: run.definition.program) else {
                throw PermanentFailure("no program \"\(run.definition.program)\" in this worker")
            }
            let outcome = try await program.execute(
                RunBatch(run: run, jobID: jobID, firstRank: payload.firstRank, memberIDs: payload.members), on: transaction)
            try await transaction.query(RunQueries.recordBatch(jobID: jobID, members: outcome.members, amount: outcome.amount))
        }
        try await RunFinisher(pool: context.pool, logger: context.logger).runOnce(runID: payload.run)
    }
}
