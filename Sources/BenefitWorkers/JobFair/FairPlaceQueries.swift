import BenefitScheduler
import Foundation
import PostgresClient

/// The statement on `benefit.fair_place` and `benefit.waitlist_entry`: one
/// job-fair batch's effects.
enum FairPlaceQueries {
    /// Run by a batch job in its fenced transaction: places the batch's members
    /// as the run's plan says and waitlists the ranks no share covers, in one
    /// statement; recuperation's ``AllocationQueries/placeBatch(_:skippingTaken:)`` with fairs
    /// for sessions.
    ///
    /// - Rank `r` falls in at most one share of the plan, and then sits in seat
    ///   `first_seat + (r - first_rank)` of that share's fair: a pure function of
    ///   the plan, so batches run side by side without locks.
    /// - A waitlisted member's reason says why: their org unit has no district in
    ///   the register, their district has no fair, or every place at their
    ///   district's fairs is taken.
    /// - Members gone from the roster since planning are skipped (their seat stays
    ///   empty), as are members this campaign already placed or waitlisted in this
    ///   cycle; at insert time, with `skippingTaken`, `ON CONFLICT DO NOTHING`
    ///   covers the same race (``MemberKeyInsert`` runs the statement without it
    ///   first).
    ///
    /// Seats are bounded by the fair's capacity and held once by the place table's
    /// constraints: were a plan ever wrong, the statement would fail rather than
    /// overfill a fair.
    ///
    /// Each district's places and fairs, which the reasons name, are counted once
    /// per statement (`totals`, materialized), as in recuperation's.
    static func placeBatch(_ batch: RunBatch, skippingTaken: Bool) -> PostgresQuery {
        let run = batch.run
        return """
            WITH batch AS (\(subquery: ProgramQueries.ranked(batch))), totals AS MATERIALIZED (
                SELECT f.district, sum(f.capacity) AS places, count(*) AS fairs FROM benefit.job_fair f
                WHERE f.campaign_id = \(run.campaignID) AND f.cycle = \(run.cycle)
                GROUP BY f.district
            ), candidate AS (
                SELECT b.member_id, b.rank, m.org_unit, u.district, p.position, p.first_seat + (b.rank - p.first_rank) AS seat
                FROM batch b
                JOIN benefit.member m ON m.member_id = b.member_id
                LEFT JOIN benefit.org_unit u ON u.org_unit = m.org_unit
                LEFT JOIN benefit.job_fair_plan p
                  ON p.run_id = \(run.runID) AND b.rank BETWEEN p.first_rank AND p.last_rank
                \(subquery: ProgramQueries.servedProbe(run, in: .fairPlaces))
                WHERE served.found IS NULL
            ), placed AS (
                INSERT INTO benefit.fair_place (campaign_id, cycle, member_id, run_id, job_id, position, capacity, seat, rank)
                SELECT \(run.campaignID), \(run.cycle), c.member_id, \(run.runID), \(batch.jobID), f.position, f.capacity, c.seat, c.rank
                FROM candidate c
                JOIN benefit.job_fair f
                  ON f.campaign_id = \(run.campaignID) AND f.cycle = \(run.cycle) AND f.position = c.position
                \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
            )
            INSERT INTO benefit.waitlist_entry (campaign_id, cycle, member_id, program, run_id, job_id, rank, reason)
            SELECT \(run.campaignID), \(run.cycle), c.member_id, \(JobFairProgram.name), \(run.runID), \(batch.jobID), c.rank,
                   CASE
                       WHEN c.district IS NULL THEN format('org unit %s has no district in the register', c.org_unit)
                       WHEN t.fairs IS NULL THEN format('no fair in district %s', c.district)
                       ELSE format('all places at the fairs of %s are taken (%s places in %s fairs)', c.district, t.places, t.fairs)
                   END
            FROM candidate c
            LEFT JOIN totals t ON t.district = c.district
            WHERE c.position IS NULL
            \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
            """
    }
}
