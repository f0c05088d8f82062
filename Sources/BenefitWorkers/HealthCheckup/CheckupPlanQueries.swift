import Foundation
import PostgresClient

/// The statements on `benefit.checkup_plan` and `benefit.checkup_plan_unit`: each health-checkup run's plan.
enum CheckupPlanQueries {
    /// Run by the planning job, in `prepare`: records the plan's hospitals.
    static func recordReservations(runID: Int, _ plan: CheckupPlan) -> PostgresQuery {
        let rows = plan.reservations
        return """
            INSERT INTO benefit.checkup_plan (run_id, hospital, position, daily_capacity, first_rank, last_rank, first_seat)
            SELECT \(runID), r.hospital, r.position, r.capacity, r.first_rank, r.last_rank, r.first_seat
            FROM unnest(\(rows.map(\.hospital))::text[], \(rows.map(\.position))::int[], \(rows.map(\.dailyCapacity))::int[],
                        \(rows.map(\.firstRank))::bigint[], \(rows.map(\.lastRank))::bigint[], \(rows.map(\.firstSeat))::bigint[])
                 AS r(hospital, position, capacity, first_rank, last_rank, first_seat)
            """
    }

    /// Run by the planning job, in `prepare`, after ``recordReservations(runID:_:)``: records each unit's hospital.
    static func recordUnits(runID: Int, _ plan: CheckupPlan) -> PostgresQuery {
        let units = plan.units
        return """
            INSERT INTO benefit.checkup_plan_unit (run_id, org_unit, hospital, members)
            SELECT \(runID), u.org_unit, u.hospital, u.members
            FROM unnest(\(units.map(\.unit.name))::text[], \(units.map(\.hospital))::text[], \(units.map(\.unit.members))::int[])
                 AS u(org_unit, hospital, members)
            """
    }

    /// Run by a batch job: the run's reservations,
    /// `hospital, position, daily_capacity, first_rank, last_rank, first_seat`, in rank order.
    static func reservations(runID: Int) -> PostgresQuery {
        """
        SELECT hospital, position, daily_capacity, first_rank, last_rank, first_seat
        FROM benefit.checkup_plan WHERE run_id = \(runID)
        ORDER BY first_rank
        """
    }
}
