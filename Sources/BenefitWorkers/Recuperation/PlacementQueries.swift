import BenefitScheduler
import Foundation
import PostgresClient

/// The statement on `benefit.recuperation_plan`: each recuperation run's plan.
enum PlacementQueries {
    /// Run by the planning job once the population is ranked, holding the sessions' locks
    /// (``SessionQueries/lockToPlan(campaignID:cycle:)``): records the run's plan,
    /// one row per session that takes ranks. The database adds its places to the
    /// sessions' `places_taken` (`benefit.recuperation_plan_takes_places`, 0010).
    static func record(_ run: RunContext, _ plan: PlacementPlan) -> PostgresQuery {
        let shares = plan.shares
        return """
            INSERT INTO benefit.recuperation_plan (run_id, campaign_id, cycle, position, first_rank, last_rank, first_seat)
            SELECT \(run.runID), \(run.campaignID), \(run.cycle), s.position, s.first_rank, s.last_rank, s.first_seat
            FROM unnest(\(shares.map(\.position)), \(shares.map(\.firstRank)), \(shares.map(\.lastRank)), \(shares.map(\.firstSeat)))
                 AS s(position, first_rank, last_rank, first_seat)
            """
    }
}
