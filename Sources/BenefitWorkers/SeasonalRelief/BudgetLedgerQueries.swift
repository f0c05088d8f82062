import Foundation
import PostgresClient

/// The statements on `benefit.relief_budget`, the ledger of one campaign's
/// cycle: its budget and what its grants have spent.
///
/// Nothing here adds to `spent`: the trigger on `benefit.grant` does, in the
/// statement that inserts the grants, and the table's CHECK (spent <= budget)
/// refuses any statement that would overspend.
enum BudgetLedgerQueries {
    /// Run by the planning job, in `prepare`: opens the cycle's ledger with the
    /// campaign's budget. A later run of the same cycle finds it open and
    /// shares it; its budget is the one the cycle's first run planned with.
    static func open(campaignID: Int, cycle: String, budget: Decimal) -> PostgresQuery {
        """
        INSERT INTO benefit.relief_budget (campaign_id, cycle, budget)
        VALUES (\(campaignID), \(cycle), \(budget))
        ON CONFLICT (campaign_id, cycle) DO NOTHING
        """
    }

    /// Run by the planning job, in `prepare`: what the cycle's budget still holds.
    /// No lock: the plan is a forecast; batches check it against the ledger.
    static func remaining(campaignID: Int, cycle: String) -> PostgresQuery {
        "SELECT budget - spent FROM benefit.relief_budget WHERE campaign_id = \(campaignID) AND cycle = \(cycle)"
    }

    /// Run by a batch job that grants, in `execute`: locks the cycle's ledger
    /// row until the batch commits and reads what is left.
    ///
    /// This lock is what makes a batch's "does it fit?" true at commit: batches
    /// that grant take it one at a time, and each reads what the previous one
    /// left. NO KEY UPDATE, the lock an UPDATE of `spent` takes, is enough; it
    /// leaves the key-share locks of the grants' foreign key free.
    static func lockToGrant(campaignID: Int, cycle: String) -> PostgresQuery {
        """
        SELECT budget - spent FROM benefit.relief_budget
        WHERE campaign_id = \(campaignID) AND cycle = \(cycle)
        FOR NO KEY UPDATE
        """
    }

    /// Run by a batch job that only waitlists, in `execute`: shares the ledger
    /// row until the batch commits.
    ///
    /// Such batches spend nothing, so they run side by side; but they still wait
    /// for a batch that grants, and it for them, so that whichever writes second
    /// sees the other's effects and a member is never both granted and waitlisted
    /// by two runs of one cycle.
    static func lockToWaitlist(campaignID: Int, cycle: String) -> PostgresQuery {
        """
        SELECT budget - spent FROM benefit.relief_budget
        WHERE campaign_id = \(campaignID) AND cycle = \(cycle)
        FOR SHARE
        """
    }
}
