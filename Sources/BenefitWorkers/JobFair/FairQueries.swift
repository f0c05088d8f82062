import BenefitScheduler
import Foundation
import PostgresClient

/// The statements on `benefit.job_fair` and `benefit.job_fair_plan`: the fairs
/// of one campaign's cycle, how many of their places runs' plans have taken,
/// and each run's plan. Recuperation's sessions and plans
/// (``SessionQueries``, ``PlacementQueries``) with fairs for sessions.
enum FairQueries {
    /// Run by the planning job, in `prepare`: opens the cycle's fairs, in file
    /// order, with the districts, dates and capacities of the campaign revision the
    /// run fires. Only the cycle's first run opens them; later runs share them. Two
    /// first runs planning at once: the second's insert meets the first's keys,
    /// fails to serialise and starts over, finding the fairs open (as
    /// ``SessionQueries/open(runID:)`` explains). (`benefit.open_job_fairs`, 0025.)
    static func open(runID: Int) -> PostgresQuery {
        "SELECT benefit.open_job_fairs(\(runID))"
    }

    /// Run by the planning job, in `prepare`: locks the cycle's fairs in position
    /// order and reads `position, district, capacity, places_taken`.
    ///
    /// The locks last until the plan commits, so runs of one cycle plan one at a
    /// time, each from the places the previous one took; position order is the one
    /// lock order. NO KEY UPDATE leaves the places' foreign-key locks free, so an
    /// earlier run's batches keep writing (``SessionQueries/lockToPlan(campaignID:cycle:)``).
    static func lockToPlan(campaignID: Int, cycle: String) -> PostgresQuery {
        "SELECT fair_position, district, capacity, places_taken FROM benefit.lock_job_fairs(\(campaignID), \(cycle))"
    }

    /// Run by the planning job, in `prepare`, holding the fairs' locks: records the
    /// run's plan, one row per fair that takes ranks. The database adds its places to
    /// the fairs' `places_taken` (`benefit.job_fair_plan_takes_places`, 0025).
    static func record(_ run: RunContext, _ plan: PlacementPlan) -> PostgresQuery {
        let shares = plan.shares
        return """
            INSERT INTO benefit.job_fair_plan (run_id, campaign_id, cycle, position, first_rank, last_rank, first_seat)
            SELECT \(run.runID), \(run.campaignID), \(run.cycle), s.position, s.first_rank, s.last_rank, s.first_seat
            FROM unnest(\(shares.map(\.position)), \(shares.map(\.firstRank)), \(shares.map(\.lastRank)), \(shares.map(\.firstSeat)))
                 AS s(position, first_rank, last_rank, first_seat)
            """
    }
}
