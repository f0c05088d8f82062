import Foundation
import PostgresClient

/// The statements on `benefit.checkup_cycle` and `benefit.checkup_hospital`:
/// a campaign's cycle, its calendar, and the seats its hospitals have given out.
///
/// Nothing here writes an appointment; the appointment table's constraints
/// refuse any that would put a hospital's day over its capacity.
enum CheckupCycleQueries {
    /// Run by the planning job, in `prepare`: opens the cycle with its calendar and
    /// its hospitals with their daily capacities, as the campaign revision the run
    /// fires says (the database reads them there: no caller chooses a capacity). A
    /// later run of the cycle finds them open and books on its calendar, with the
    /// capacities of the hospitals already open. (`benefit.open_checkup_cycle`,
    /// migration 0010; hospitals are inserted in "C" order of name, the order
    /// ``lockHospitals(campaignID:cycle:names:)`` takes, so two planners of one
    /// cycle wait for each other rather than deadlock.)
    static func open(runID: Int) -> PostgresQuery {
        "SELECT benefit.open_checkup_cycle(\(runID))"
    }

    /// Run by a batch job: the cycle's calendar, `start_date, holidays`.
    static func calendar(campaignID: Int, cycle: String) -> PostgresQuery {
        "SELECT start_date, holidays FROM benefit.checkup_cycle WHERE campaign_id = \(campaignID) AND cycle = \(cycle)"
    }

    /// Run by the planning job, in `prepare`: locks the run's hospitals' rows
    /// until the plan commits and reads `hospital, daily_capacity, seats_taken`.
    ///
    /// The lock makes seat reservations of one cycle one at a time, so two runs
    /// never reserve the same seats. (The reservation itself is the plan's insert:
    /// `benefit.checkup_plan_takes_seats`, migration 0010, adds its seats to
    /// `seats_taken`.) Batches take no lock on these rows (their appointments'
    /// key to the hospital is checked without one, migration 0032), so they keep
    /// booking while a run plans. NO KEY UPDATE is the lock the reservation's
    /// UPDATE takes. (`benefit.lock_checkup_hospitals`,
    /// migration 0010: locking a row asks for the right to update it.)
    static func lockHospitals(campaignID: Int, cycle: String, names: [String]) -> PostgresQuery {
        "SELECT hospital, daily_capacity, seats_taken FROM benefit.lock_checkup_hospitals(\(campaignID), \(cycle), \(names))"
    }
}
