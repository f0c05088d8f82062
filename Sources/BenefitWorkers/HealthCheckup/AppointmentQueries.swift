import BenefitCore
import BenefitScheduler
import Foundation
import PostgresClient

/// The statement on `benefit.appointment`: one batch's effects.
enum AppointmentQueries {
    /// Run by a batch job in its fenced transaction: books the batch's members
    /// the seats their ranks have in the run's plan, in one statement.
    ///
    /// - Rank `r` in hospital `h`'s range gets the cycle's seat
    ///   `s = first_seat + (r − first_rank)`: workday `(s − 1) / capacity`
    ///   (`days` holds the workdays from `firstDay` on) and place
    ///   `(s − 1) % capacity + 1` in it. So the seats depend only on the plan,
    ///   whatever order batches run in and however often one is retried.
    /// - The package is the first rule whose `ageBelow` is above the member's age
    ///   in full years at the cycle's `start` date (a rule without one matches
    ///   everyone); women also get `womenExtra`. Both are read from the roster now.
    /// - Members gone from the roster leave their seat empty; members this
    ///   campaign already booked in this cycle (another run got there first)
    ///   keep their appointment: with `skippingTaken`, `ON CONFLICT DO NOTHING` on
    ///   the member's key; without, such a member fails the statement
    ///   (``MemberKeyInsert`` runs it both ways).
    ///   A seat already taken is an error, never skipped: the plan gives each
    ///   seat once, so a conflict would be a fault to see, not to hide.
    static func book(
        _ batch: RunBatch, _ parameters: CheckupParameters, start: CalendarDate, firstDay: Int, days: [CalendarDate],
        skippingTaken: Bool
    ) -> PostgresQuery {
        let run = batch.run
        return """
            WITH batch AS (\(subquery: ProgramQueries.ranked(batch))), seated AS (
                SELECT b.member_id, p.hospital, p.daily_capacity, p.first_seat + (b.rank - p.first_rank) AS seat
                FROM batch b
                JOIN benefit.checkup_plan p ON p.run_id = \(run.runID) AND b.rank BETWEEN p.first_rank AND p.last_rank
            )
            INSERT INTO benefit.appointment (campaign_id, cycle, member_id, run_id, job_id, hospital, appointment_date,
                                             seat_in_day, daily_capacity, package, women_extra)
            SELECT \(run.campaignID), \(run.cycle), s.member_id, \(run.runID), \(batch.jobID), s.hospital,
                   (\(days)::date[])[(s.seat - 1) / s.daily_capacity - \(firstDay) + 1],
                   (s.seat - 1) % s.daily_capacity + 1, s.daily_capacity, package.name,
                   CASE WHEN m.gender = 'F' THEN \(parameters.womenExtra)::text END
            FROM seated s
            JOIN benefit.member m ON m.member_id = s.member_id
            CROSS JOIN LATERAL (\(subquery: package(parameters, start: start))) package
            \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
            """
    }

    /// Run by a batch job of a checkup-van run in its fenced transaction: books
    /// the batch's members the seats their ranks have in the run's van-days, in
    /// one statement.
    ///
    /// Rank `r` in a van-day's range gets that day's seat `r − first_rank + 1`,
    /// at the van-day's site. Packages, members gone from the roster and members
    /// already booked go as in ``book(_:_:start:firstDay:days:skippingTaken:)``.
    static func bookOnVans(_ batch: RunBatch, _ parameters: CheckupParameters, start: CalendarDate, skippingTaken: Bool) -> PostgresQuery {
        let run = batch.run
        return """
            WITH batch AS (\(subquery: ProgramQueries.ranked(batch))), seated AS (
                SELECT b.member_id, v.van, v.day, v.site, v.daily_capacity, b.rank - v.first_rank + 1 AS seat
                FROM batch b
                JOIN benefit.van_day v ON v.run_id = \(run.runID) AND b.rank BETWEEN v.first_rank AND v.last_rank
            )
            INSERT INTO benefit.appointment (campaign_id, cycle, member_id, run_id, job_id, hospital, appointment_date,
                                             seat_in_day, daily_capacity, package, women_extra, kind, site)
            SELECT \(run.campaignID), \(run.cycle), s.member_id, \(run.runID), \(batch.jobID), s.van, s.day,
                   s.seat, s.daily_capacity, package.name,
                   CASE WHEN m.gender = 'F' THEN \(parameters.womenExtra)::text END, 'van', s.site
            FROM seated s
            JOIN benefit.member m ON m.member_id = s.member_id
            CROSS JOIN LATERAL (\(subquery: package(parameters, start: start))) package
            \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
            """
    }

    /// The package of the member `m` (a row of `benefit.member` in the outer
    /// query), `name`: the first rule whose `ageBelow` is above the member's age
    /// in full years on `start`.
    private static func package(_ parameters: CheckupParameters, start: CalendarDate) -> PostgresQuery {
        """
        SELECT r.name
        FROM unnest(\(parameters.packages.map(\.name))::text[], \(parameters.packages.map(\.ageBelow))::int[])
             WITH ORDINALITY AS r(name, age_below, position)
        WHERE r.age_below IS NULL OR extract(year FROM age(\(start)::date, m.birth_date)) < r.age_below
        ORDER BY r.position
        LIMIT 1
        """
    }
}
