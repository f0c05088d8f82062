import BenefitScheduler
import Foundation
import PostgresClient

/// A seasonal-relief batch's statements: which of its members the plan grants,
/// and its effects on `benefit.grant` and `benefit.waitlist_entry`.
enum GrantQueries {
    /// Run by a batch job before it locks the ledger: how many of its members
    /// the run's allotment plans a grant for (by their tier now), which decides
    /// whether the batch takes the ledger to grant or only to waitlist; what
    /// their grants add up to; and what the cycle's ledger holds now, read
    /// without a lock (NULL: no ledger), the forecast a batch may grant against
    /// before it takes the lock. Returns `members, amount, remaining`.
    static func plannedMembers(_ batch: RunBatch) -> PostgresQuery {
        let run = batch.run
        return """
            SELECT count(*), coalesce(sum(a.amount), 0),
                   (SELECT l.budget - l.spent FROM benefit.relief_budget l
                    WHERE l.campaign_id = \(run.campaignID) AND l.cycle = \(run.cycle))
            FROM unnest(\(batch.memberIDs)::text[]) AS b(member_id)
            JOIN benefit.member m ON m.member_id = b.member_id
            JOIN benefit.relief_allotment a ON a.run_id = \(run.runID) AND a.tier IS NOT DISTINCT FROM m.hardship_tier
            WHERE b.member_id COLLATE "C" <= a.last_granted COLLATE "C"
            """
    }

    /// Run by a batch that granted before it took the ledger's lock, once it
    /// holds it: true when another run of the cycle, committed meanwhile, served
    /// this batch's members otherwise than its statement saw. Either it granted a
    /// member this batch waitlisted, or it waitlisted, unserved, a member this
    /// batch granted. Then the batch's effects are not those of any order in
    /// which the two could have run one after the other, and it does its work
    /// again under the lock.
    static func overtaken(_ batch: RunBatch) -> PostgresQuery {
        let run = batch.run
        return """
            SELECT EXISTS (
                SELECT 1
                FROM benefit.waitlist_entry w
                JOIN benefit.grant g ON g.campaign_id = w.campaign_id AND g.cycle = w.cycle AND g.member_id = w.member_id
                WHERE w.campaign_id = \(run.campaignID) AND w.cycle = \(run.cycle)
                  AND w.member_id = ANY (\(batch.memberIDs)::text[])
                  AND ((w.run_id = \(run.runID) AND g.run_id <> \(run.runID))
                       OR (g.run_id = \(run.runID) AND w.served_at IS NULL))
            )
            """
    }

    /// Run by a batch job in its fenced transaction, right after it locked the
    /// ledger (``BudgetLedgerQueries``), or, when the ledger covered its planned
    /// grants a moment ago, before taking the lock (then the grants' trigger
    /// takes it, and the batch checks ``overtaken(_:)`` once it holds it):
    /// grants the batch's members their amounts and waitlists those the budget
    /// cannot pay, in one statement.
    /// Returns `grants, amount`: how many members were granted, and the sum.
    ///
    /// - Members gone from the roster since planning, and members this campaign
    ///   already granted or waitlisted in this cycle (another run got there
    ///   first), are skipped. Run under the lock, the snapshot is taken after it,
    ///   so it sees every batch of the cycle that committed before this one; run
    ///   before it, ``overtaken(_:)`` looks again once the lock is held.
    /// - A member's amount is their tier's share of the run's allotment (the
    ///   tier is read now, from the roster).
    /// - The allotment says who is planned a grant. Planned members are walked
    ///   in rank order against `remaining`, what the locked ledger holds: each
    ///   one who fits is granted (greedy, as in the plan). Normally all fit
    ///   (their sum is within `remaining`), and then all are granted without the
    ///   walk, which costs the square of the batch (it indexes arrays of
    ///   variable-length values); only another run of the same cycle spending
    ///   meanwhile makes some not.
    /// - Everyone else is waitlisted with the reason. Both tables' primary keys
    ///   keep one effect per member, campaign and cycle; with `skippingTaken`,
    ///   `ON CONFLICT DO NOTHING` on them skips a member another run of the cycle
    ///   got first, and without it such a member fails the statement
    ///   (``MemberKeyInsert`` runs it both ways).
    /// - With `mayGrant` false (the batch only shares the ledger row) planned
    ///   members are left alone: there are none, unless a tier changed since
    ///   ``plannedMembers(_:)``, and a later run of the cycle will reach them.
    ///
    /// The grants' insert fires the trigger that adds them to the ledger's
    /// `spent`; were the walk ever wrong, the ledger's CHECK would refuse the
    /// statement and the batch would fail rather than overspend.
    static func grantBatch(
        _ batch: RunBatch, season: ReliefSeason, remaining: Decimal, mayGrant: Bool, skippingTaken: Bool
    ) -> PostgresQuery {
        let run = batch.run
        return """
            WITH RECURSIVE batch AS (\(subquery: ProgramQueries.ranked(batch))), candidate AS (
                SELECT b.member_id, b.rank, m.hardship_tier AS tier, a.amount, a.remaining_after,
                       coalesce(b.member_id COLLATE "C" <= a.last_granted COLLATE "C", false) AS planned
                FROM batch b
                JOIN benefit.member m ON m.member_id = b.member_id
                JOIN benefit.relief_allotment a ON a.run_id = \(run.runID) AND a.tier IS NOT DISTINCT FROM m.hardship_tier
                \(subquery: ProgramQueries.servedProbe(run, in: .grants))
                WHERE served.found IS NULL
                  AND (\(mayGrant) OR NOT coalesce(b.member_id COLLATE "C" <= a.last_granted COLLATE "C", false))
            ), planned AS (
                SELECT array_agg(member_id ORDER BY rank) AS members, array_agg(amount ORDER BY rank) AS amounts,
                       coalesce(sum(amount), 0) <= \(remaining)::numeric AS all_fit
                FROM candidate WHERE planned
            ), walk (step, remaining) AS (
                -- Step n: what is left before the n-th planned member; each one who fits pays.
                -- Only when they do not all fit: each step reads the arrays from their start.
                SELECT 1, \(remaining)::numeric FROM planned WHERE cardinality(members) > 0 AND NOT all_fit
                UNION ALL
                SELECT w.step + 1,
                       CASE WHEN p.amounts[w.step] <= w.remaining THEN w.remaining - p.amounts[w.step] ELSE w.remaining END
                FROM walk w, planned p
                WHERE w.step < cardinality(p.members)
            ), decision AS (
                SELECT p.members[w.step] AS member_id, p.amounts[w.step] <= w.remaining AS fits, w.remaining
                FROM walk w, planned p
                UNION ALL
                -- When the budget covers them all, the walk would grant each one: no need to walk.
                SELECT c.member_id, true, NULL
                FROM candidate c, planned p
                WHERE c.planned AND p.all_fit
            ), granted AS (
                INSERT INTO benefit.grant (campaign_id, cycle, member_id, run_id, job_id, season, tier, amount)
                SELECT \(run.campaignID), \(run.cycle), c.member_id, \(run.runID), \(batch.jobID), \(season.rawValue),
                       c.tier, c.amount
                FROM candidate c
                JOIN decision d ON d.member_id = c.member_id
                WHERE d.fits
                \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
                RETURNING amount
            ), waitlisted AS (
                INSERT INTO benefit.waitlist_entry (campaign_id, cycle, member_id, program, run_id, job_id, rank, reason)
                SELECT \(run.campaignID), \(run.cycle), c.member_id, \(SeasonalReliefProgram.name), \(run.runID), \(batch.jobID),
                       c.rank,
                       format('budget exhausted (remaining %s, needed %s)',
                              (CASE WHEN c.planned THEN d.remaining ELSE c.remaining_after END)::numeric(14, 2),
                              c.amount)
                FROM candidate c
                LEFT JOIN decision d ON d.member_id = c.member_id
                WHERE d.fits IS NOT TRUE
                \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
            )
            SELECT count(*), coalesce(sum(amount), 0) FROM granted
            """
    }
}
