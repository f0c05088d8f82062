import BenefitScheduler
import Foundation
import PostgresClient

/// `drill`: a program for fire drills and smoke tests, needing no roster.
///
/// Its population is `members` synthetic members (`D-0000001`, ...); each batch
/// writes one `benefit.drill_effect` row per member in its fenced commit, so a
/// duplicated effect after killing workers shows as a second row. Batches holding
/// a rank listed in `failRanks` fail on every attempt (to rehearse dead batches
/// and `jobs retry --run`); `sleepMs` slows every batch down.
///
/// ```yaml
/// program: drill
/// parameters: { members: 10000, failRanks: [], sleepMs: 0 }
/// ```
public struct DrillProgram: BenefitProgram {
    public let program = "drill"
    static let maximumMembers = 10_000_000

    public init() {}

    public func problems(in parameters: JSONValue) -> [ParameterProblem] {
        var reader = ParameterReader()
        guard let block = reader.mapping(parameters, at: "", known: ["members", "failRanks", "sleepMs"], example: "{ members: 10000 }")
        else { return reader.problems }
        if let members = reader.required(block, "members", what: "how many synthetic members the run has") {
            _ = reader.wholeNumber(members, at: "members", in: 0...Self.maximumMembers, what: "members")
        }
        if let ranks = block["failRanks"], let list = reader.list(ranks, at: "failRanks", of: "ranks") {
            for (index, rank) in list.enumerated() {
                _ = reader.wholeNumber(rank, at: "failRanks[\(index)]", in: 1...Self.maximumMembers, what: "a rank")
            }
        }
        if let sleep = block["sleepMs"] {
            _ = reader.wholeNumber(sleep, at: "sleepMs", in: 0...600_000, what: "milliseconds")
        }
        return reader.problems
    }

    public func population(_ run: RunContext) throws -> PostgresQuery {
        let members = ParameterReader.wholeNumber(run.parameters["members"]) ?? 0
        return "SELECT 'D-' || lpad(g::text, 7, '0'), g FROM generate_series(1, \(members)) AS g"
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let parameters = batch.run.parameters
        if let sleep = ParameterReader.wholeNumber(parameters["sleepMs"]), sleep > 0 { try await Task.sleep(for: .milliseconds(sleep)) }
        let ranks = batch.firstRank..<(batch.firstRank + batch.memberIDs.count)
        let failing = (parameters["failRanks"]?.arrayValue ?? []).compactMap { ParameterReader.wholeNumber($0) }.filter(ranks.contains)
        if let rank = failing.first {
            throw DrillFailure(rank: rank)
        }
        try await transaction.query("""
            INSERT INTO benefit.drill_effect (job_id, run_id, member_id)
            SELECT \(batch.jobID), \(batch.run.runID), unnest(\(batch.memberIDs))
            """)
        return BatchOutcome(members: batch.memberIDs.count)
    }

    struct DrillFailure: Error, CustomStringConvertible {
        let rank: Int
        var description: String { "drill: the batch holding rank \(rank) fails on purpose (failRanks)" }
    }
}
