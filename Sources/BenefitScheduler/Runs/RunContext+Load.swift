import BenefitQueue
import Foundation
import PostgresClient

extension RunContext {
    /// Loads a run's context inside a planning or batch job's fenced commit. A run
    /// an operator cancelled ends the job `cancelled` (``JobCancelled``), whether it
    /// plans or runs a batch; a run that cannot be read ends it dead.
    static func load(
        runID: Int, on connection: PostgresConnection, definitions: DecodedDefinitions = DecodedDefinitions()
    ) async throws -> RunContext {
        guard let row = try await connection.query(RunQueries.context(runID: runID)).first(
            (Int, Int, String, Date, String, Bool, String).self)
        else { throw PermanentFailure("run \(runID) does not exist") }
        if row.5 { throw JobCancelled("run \(runID) was cancelled") }
        let definition: CampaignDefinition
        do {
            definition = try definitions.definition(from: row.6)
        } catch {
            throw PermanentFailure("run \(runID): its campaign revision cannot be read: \(error)")
        }
        return RunContext(
            runID: row.0, campaignID: row.1, campaign: row.2, fireTime: row.3, cycle: row.4,
            timeZone: definition.schedule.timeZone, parameters: definition.parameters, definition: definition)
    }

    /// The program that runs this campaign, or a permanent failure naming those this worker has.
    func program(in programs: ProgramCatalog) throws -> any BenefitProgram {
        guard let program = programs.program(named: definition.program) else {
            throw PermanentFailure("no program \"\(definition.program)\" in this worker (it has: \(programs.names.joined(separator: ", ")))")
        }
        return program
    }
}
