import BenefitCore
import Foundation
import PostgresClient

/// The statements on `benefit.van_day`: a checkup-van run's plan, one row per van-day.
///
/// The table's primary key is "one site per van-day", and van appointments
/// reference their van-day with their site (`migrations/0026_checkup_vans.sql`),
/// so no writer can send a van to two sites on one day.
enum VanDayQueries {
    /// Run by the planning job, in `prepare`, with the vans' rows locked: records
    /// the plan's van-days, `dates[d]` being the cycle's workday `d`. The insert's
    /// trigger (`benefit.van_day_takes_days`) moves each van's `seats_taken` to the
    /// end of its last day, so the cycle's next run plans after it.
    static func record(runID: Int, campaignID: Int, cycle: String, _ plan: VanPlan, dates: [CalendarDate]) -> PostgresQuery {
        let days = plan.days
        return """
            INSERT INTO benefit.van_day (campaign_id, cycle, van, day, site, workday, daily_capacity, run_id, first_rank, last_rank)
            SELECT \(campaignID), \(cycle), d.van, d.day, d.site, d.workday, d.capacity, \(runID), d.first_rank, d.last_rank
            FROM unnest(\(days.map(\.van))::text[], \(days.map { dates[$0.workday] })::date[], \(days.map(\.site))::text[],
                        \(days.map(\.workday))::int[], \(days.map(\.dailyCapacity))::int[],
                        \(days.map(\.firstRank))::bigint[], \(days.map(\.lastRank))::bigint[])
                 AS d(van, day, site, workday, capacity, first_rank, last_rank)
            """
    }
}
