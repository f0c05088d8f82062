import BenefitScheduler
import Foundation
import PostgresClient

/// The statement on `benefit.recuperation_plan`: each recuperation run's plan.
enum PlacementQueries {
    /// Run by the planning job, in `prepare`, holding the sessions' locks
    /// (``SessionQueries/lockToPlan(campaignID:cycle:)``): records the run's plan,
    /// one row per session that takes ranks, and adds its places to the
    /// sessions' `places_taken`, in one statement.
    static func record(_ run: RunContext, _ plan: PlacementPlan) -> PostgresQuery {
        let shares = plan.shares
        return """
            WITH planned AS (
                INSERT INTO benefit.recuperation_plan (run_id, campaign_id, cycle, position, first_rank, last_rank, first_seat)
                SELECT \(run.runID), \(run.campaignID), \(run.cycle), s.position, s.first_rank, s.last_rank, s.first_seat
                FROM unnest(\(shares.map(\.position)), \(shares.map(\.firstRank)), \(shares.map(\.lastRank)), \(shares.map(\.firstSeat)))
                     AS s(position, first_rank, last_rank, first_seat)
                RETURNING position, last_rank - first_rank + 1 AS places
            )
            UPDATE benefit.recuperation_session s
            SET places_taken = s.places_taken + p.places, updated_at = now()
            FROM planned p
            WHERE s.campaign_id = \(run.campaignID) AND s.cycle = \(run.cycle) AND s.position = p.position
            """
    }
}
