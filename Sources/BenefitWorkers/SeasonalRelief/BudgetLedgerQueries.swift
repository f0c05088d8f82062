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
    /// budget of the campaign revision the run fires (the database reads it there:
    /// no caller chooses a budget), and returns what it still holds. A later run of
    /// the same cycle finds it open and shares it; its budget is the one the
    /// cycle's first run planned with. No lock: the plan is a forecast; batches
    /// check it against the ledger. (`benefit.open_relief_budget`, migration 0010.)
    static func open(runID: Int) -> PostgresQuery {
        "SELECT benefit.open_relief_budget(\(runID))"
    }

    /// Run by a batch job, in `execute`: locks the cycle's ledger row until the
    /// batch commits and reads what is left (NULL: no ledger).
    ///
    /// A batch that grants takes NO KEY UPDATE, so that batches that grant take it
    /// one at a time and each reads what the previous one left: this is what makes
    /// a batch's "does it fit?" true at commit. NO KEY UPDATE, the lock an UPDATE
    /// of `spent` takes, is enough; it leaves the key-share locks of the grants'
    /// foreign key free.
    ///
    /// A batch that only waitlists takes SHARE: such batches spend nothing, so they
    /// run side by side; but they still wait for a batch that grants, and it for
    /// them, so that whichever writes second sees the other's effects and a member
    /// is never both granted and waitlisted by two runs of one cycle.
    ///
    /// The lock is taken by `benefit.lock_relief_budget` (migration 0010): no role
    /// but the owner may lock or change ledger rows by hand.
    static func lock(campaignID: Int, cycle: String, toGrant: Bool) -> PostgresQuery {
        "SELECT benefit.lock_relief_budget(\(campaignID), \(cycle), \(toGrant))"
    }
}
