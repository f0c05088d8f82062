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

    public func population(_ run: RunContext) throws -> PostgresQuery {
        DrillQueries.population(members: try parameters(of: run).members)
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let parameters = try parameters(of: batch.run)
        if parameters.sleepMs > 0 { try await Task.sleep(for: .milliseconds(parameters.sleepMs)) }
        let failing = parameters.failRanks.filter(batch.ranks.contains)
        if let rank = failing.first {
            throw DrillFailure(rank: rank)
        }
        try await transaction.query(DrillQueries.recordEffects(batch))
        return BatchOutcome(members: batch.memberIDs.count)
    }

    struct DrillFailure: Error, CustomStringConvertible {
        let rank: Int
        var description: String { "drill: the batch holding rank \(rank) fails on purpose (failRanks)" }
    }
}
