import Foundation
import PostgresClient

/// The statements on `benefit.relief_allotment`: each seasonal-relief run's plan.
enum AllotmentQueries {
    /// Run by the planning job, in `prepare`: records the run's allotment, one row
    /// per tier, with the last member each tier's grants reach (nil: none).
    static func record(runID: Int, _ allotment: ReliefAllotment, lastGranted: [Int?: String]) -> PostgresQuery {
        let shares = allotment.shares
        return """
            INSERT INTO benefit.relief_allotment (run_id, tier, amount, eligible, grants, last_granted, remaining_after)
            SELECT \(runID), s.tier, s.amount, s.eligible, s.grants, s.last_granted, s.remaining_after
            FROM unnest(\(shares.map(\.tier))::smallint[], \(shares.map(\.amount)), \(shares.map(\.eligible)),
                        \(shares.map(\.grants)), \(shares.map { lastGranted[$0.tier] }), \(shares.map(\.remainingAfter)))
                 AS s(tier, amount, eligible, grants, last_granted, remaining_after)
            """
    }
}
