import BenefitScheduler
import Foundation
import PostgresClient

/// The statement on `benefit.allocation` and `benefit.waitlist_entry`: one
/// recuperation batch's effects.
enum AllocationQueries {
    /// Run by a batch job in its fenced transaction: places the batch's members
    /// as the run's plan says and waitlists those past its last place, in one
    /// statement.
    ///
    /// - Rank `r` (the batch's first rank plus the member's index) falls in at
    ///   most one share of the plan, and then sits in seat
    ///   `first_seat + (r - first_rank)` of that share's session: a pure function
    ///   of the plan, so no lock is needed and batches run side by side.
    /// - Ranks no share covers are waitlisted with that rank.
    /// - Members this campaign already placed or waitlisted in this cycle (an
    ///   overlapping run got there first) are skipped: placed ones by the served
    ///   probe, and at insert time, with `skippingTaken`, any by `ON CONFLICT DO
    ///   NOTHING` on the member key (``MemberKeyInsert`` runs the statement
    ///   without it first). The roster is
    ///   not read: members are never deleted (migration 0031), and the effect
    ///   tables' own check refuses a member that does not exist.
    /// - A placed member's `last_recuperation_year` becomes their session's
    ///   starting year: the allocation table's trigger writes it (migration 0010).
    ///
    /// Seats are bounded by the session's capacity and held once by the
    /// allocation table's constraints: were a plan ever wrong, the statement
    /// would fail rather than overfill a session.
    ///
    /// The cycle's places and sessions, which every waitlisted member's reason
    /// names, are counted once per statement (`totals`, materialized): joined
    /// as a subquery, the plan counted them again for every member (a
    /// waitlisting batch of 1,000 read the session rows 1,000 times).
    static func placeBatch(_ batch: RunBatch, skippingTaken: Bool) -> PostgresQuery {
        let run = batch.run
        return """
            WITH batch AS (\(subquery: ProgramQueries.ranked(batch))), totals AS MATERIALIZED (
                SELECT sum(capacity) AS places, count(*) AS sessions FROM benefit.recuperation_session
                WHERE campaign_id = \(run.campaignID) AND cycle = \(run.cycle)
            ), candidate AS (
                SELECT b.member_id, b.rank, p.position, p.first_seat + (b.rank - p.first_rank) AS seat
                FROM batch b
                LEFT JOIN benefit.recuperation_plan p
                  ON p.run_id = \(run.runID) AND b.rank BETWEEN p.first_rank AND p.last_rank
                \(subquery: ProgramQueries.servedProbe(run, in: .allocations))
                WHERE served.found IS NULL
            ), placed AS (
                INSERT INTO benefit.allocation (campaign_id, cycle, member_id, run_id, job_id, position, capacity, seat, rank)
                SELECT \(run.campaignID), \(run.cycle), c.member_id, \(run.runID), \(batch.jobID), s.position, s.capacity, c.seat, c.rank
                FROM candidate c
                JOIN benefit.recuperation_session s
                  ON s.campaign_id = \(run.campaignID) AND s.cycle = \(run.cycle) AND s.position = c.position
                \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
            )
            INSERT INTO benefit.waitlist_entry (campaign_id, cycle, member_id, program, run_id, job_id, rank, reason)
            SELECT \(run.campaignID), \(run.cycle), c.member_id, \(RecuperationProgram.name), \(run.runID), \(batch.jobID),
                   c.rank, format('all places are taken (%s places in %s sessions)', t.places, t.sessions)
            FROM candidate c, totals t
            WHERE c.position IS NULL
            \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
            """
    }
}
