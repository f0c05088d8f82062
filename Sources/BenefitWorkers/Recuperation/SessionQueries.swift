import Foundation
import PostgresClient

/// The statements on `benefit.recuperation_session`: the places of one
/// campaign's cycle, and how many of them runs' plans have taken.
enum SessionQueries {
    /// Run by the planning job, in `prepare`: opens the cycle's sessions, in file
    /// order, with the capacities of the campaign revision the run fires (the
    /// database reads them there: no caller chooses a capacity). Only the cycle's
    /// first run opens them; a later run finds them open and shares them, even if a
    /// newer revision of the campaign lists other sessions (they count from the next
    /// cycle). Two first runs planning at once: the second's snapshot (planning is
    /// REPEATABLE READ) does not see the first's sessions, so its insert meets their
    /// keys, fails to serialise, and its planning starts over, finding the sessions
    /// open: a cycle never mixes the sessions of two revisions.
    /// (`benefit.open_recuperation_sessions`, migration 0010.)
    static func open(runID: Int) -> PostgresQuery {
        "SELECT benefit.open_recuperation_sessions(\(runID))"
    }

    /// Run by the planning job, in `prepare` and again (the locks already held)
    /// once the population is ranked: locks the cycle's sessions in position
    /// order and reads `position, capacity, places_taken`.
    ///
    /// The locks last until the plan commits, so runs of one cycle plan one at a
    /// time and each starts from the places the previous one took. Position
    /// order is the one lock order, so two planners cannot deadlock. NO KEY
    /// UPDATE, the lock the plan's UPDATE of `places_taken` takes anyway, is
    /// enough: it leaves free the key-share locks that the allocations' foreign
    /// key takes, so batches of an earlier run keep writing while a run plans.
    /// (`benefit.lock_recuperation_sessions`, migration 0010: locking a row asks for
    /// the right to update it.)
    static func lockToPlan(campaignID: Int, cycle: String) -> PostgresQuery {
        "SELECT session_position, capacity, places_taken FROM benefit.lock_recuperation_sessions(\(campaignID), \(cycle))"
    }
}
