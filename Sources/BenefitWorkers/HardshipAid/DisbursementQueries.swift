import BenefitCore
import BenefitScheduler
import Foundation
import PostgresClient

/// A hardship-aid run's statements: its plan (`benefit.aid_allotment`), its
/// population (approved, unpaid awards in approval order), and a batch's
/// payments and waitlist entries.
///
/// A run's batches carry application numbers where other programs' carry
/// member numbers: the unit a run pays is an award, and one member may have
/// several.
enum DisbursementQueries {
    /// The campaign's approved awards that no payment has paid yet, of members
    /// still in the union on `referenceDate` (the run's fire date): an award of a
    /// member who left on or before it is not paid, as every program leaves them out.
    private static func unpaid(campaignID: Int, referenceDate: CalendarDate) -> PostgresQuery {
        """
        SELECT a.id, a.approval_seq, a.approved_amount
        FROM benefit.aid_application a
        JOIN benefit.member m ON m.member_id = a.member_id
        WHERE a.campaign_id = \(campaignID) AND a.state = 'approved'
          AND NOT EXISTS (SELECT 1 FROM benefit.aid_payment p WHERE p.application_id = a.id)
          AND \(subquery: ProgramQueries.memberOn(referenceDate))
        """
    }

    /// Run by the planning job, in `prepare` (REPEATABLE READ, the snapshot the
    /// population reads too): walks the unpaid awards in approval order against
    /// what the fund holds and records the last one it covers. The walk stops at
    /// the first award the money does not cover, so a later, smaller award never
    /// goes before an earlier one.
    static func plan(runID: Int, campaignID: Int, referenceDate: CalendarDate, fund: String) -> PostgresQuery {
        """
        WITH fund AS (SELECT benefit.aid_fund_balance(\(fund)) AS balance),
        awards AS (
            SELECT u.approval_seq, sum(u.approved_amount) OVER (ORDER BY u.approval_seq) AS running
            FROM (\(subquery: unpaid(campaignID: campaignID, referenceDate: referenceDate))) u
        ), covered AS (
            SELECT w.approval_seq, w.running FROM awards w, fund f WHERE w.running <= f.balance
        )
        INSERT INTO benefit.aid_allotment (run_id, fund, balance, awards, covered, covered_amount, last_covered_seq)
        SELECT \(runID), \(fund), f.balance, (SELECT count(*) FROM awards), (SELECT count(*) FROM covered),
               coalesce((SELECT max(running) FROM covered), 0), (SELECT max(approval_seq) FROM covered)
        FROM fund f
        """
    }

    /// The run's population: unpaid awards by approval order, `application id as text, rank`.
    static func population(campaignID: Int, referenceDate: CalendarDate) -> PostgresQuery {
        """
        SELECT u.id::text, row_number() OVER (ORDER BY u.approval_seq)
        FROM (\(subquery: unpaid(campaignID: campaignID, referenceDate: referenceDate))) u
        """
    }

    /// Run by a batch job in its fenced transaction, before it pays: locks the
    /// fund's row until the commit, so paying batches (of any run) take it one at
    /// a time, and returns its balance (NULL: the fund has had no deposit yet).
    static func lockFund(_ fund: String) -> PostgresQuery {
        "SELECT benefit.lock_aid_fund(\(fund))"
    }

    /// Run by a batch job in its fenced transaction, right after ``lockFund(_:)``:
    /// pays the batch's awards the plan covers, in rank order, while `balance`
    /// covers them, and waitlists the rest with the reason; returns `payments, amount`.
    ///
    /// - Awards paid meanwhile (by another run) or no longer approved are skipped.
    /// - Only the plan's awards may be paid: the plan walked every award in
    ///   approval order, and a batch that commits before an earlier batch must not
    ///   spend what the plan kept for that batch's awards.
    /// - An award is paid whole or not at all: the payment trigger refuses any
    ///   amount but the approved one, and the fund's CHECK refuses overdrawing
    ///   it, whoever writes; `ON CONFLICT DO NOTHING` keeps one payment per award.
    static func payBatch(_ batch: RunBatch, fund: String, balance: Decimal) -> PostgresQuery {
        let run = batch.run
        return """
            WITH batch AS (\(subquery: ProgramQueries.ranked(batch))), candidate AS (
                SELECT b.rank, a.id, a.approved_amount AS amount,
                       coalesce(a.approval_seq <= al.last_covered_seq, false) AS planned,
                       al.balance - al.covered_amount AS left_after_plan
                FROM batch b
                JOIN benefit.aid_application a ON a.id = b.member_id::bigint
                JOIN benefit.aid_allotment al ON al.run_id = \(run.runID)
                WHERE a.state = 'approved'
                  AND NOT EXISTS (SELECT 1 FROM benefit.aid_payment p WHERE p.application_id = a.id)
            ), walk AS (
                SELECT c.*,
                       \(balance)::numeric - coalesce(sum(c.amount) FILTER (WHERE c.planned)
                           OVER (ORDER BY c.rank ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS held,
                       c.planned AND sum(c.amount) FILTER (WHERE c.planned) OVER (ORDER BY c.rank) <= \(balance)::numeric AS fits
                FROM candidate c
            ), paid AS (
                INSERT INTO benefit.aid_payment (application_id, fund, amount, campaign_id, run_id, job_id)
                SELECT w.id, \(fund), w.amount, \(run.campaignID), \(run.runID), \(batch.jobID)
                FROM walk w WHERE w.fits
                ON CONFLICT (application_id) DO NOTHING
                RETURNING amount
            ), waiting AS (
                INSERT INTO benefit.aid_waitlist_entry (application_id, run_id, job_id, rank, reason)
                SELECT w.id, \(run.runID), \(batch.jobID), w.rank,
                       CASE WHEN w.planned
                            THEN format('fund %s held %s yuan, %s needed', \(fund)::text, greatest(w.held, 0)::numeric(14, 2), w.amount)
                            ELSE format('fund %s cannot cover it: %s yuan left after the awards approved before it, %s needed',
                                        \(fund)::text, w.left_after_plan, w.amount) END
                FROM walk w WHERE NOT w.fits
                ON CONFLICT (application_id, run_id) DO NOTHING
            )
            SELECT count(*), coalesce(sum(amount), 0) FROM paid
            """
    }
}
