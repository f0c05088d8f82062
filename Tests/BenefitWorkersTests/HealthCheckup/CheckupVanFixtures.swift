import BenefitCore
import BenefitScheduler
import BenefitWorkers
import Foundation
import PostgresClient

/// Campaigns and queries for the checkup-van tests (`mode: vans`).
enum CheckupVanFixtures {
    static let campaign = "vans"
    /// Two vans of 13 checkups a workday from Monday 2027-03-08 (the Saturday
    /// before is the start date); 2027-03-15 and 2027-04-05 are holidays.
    static let parameters = """
        { mode: vans, interval: 1y, startDate: 2027-03-06, holidays: [2027-03-15, 2027-04-05],
          vans: [{ name: 体检车1号, dailyCapacity: 13 }, { name: 体检车2号, dailyCapacity: 13 }],
          packages: [{ name: basic, ageBelow: 35 }, { name: standard, ageBelow: 50 }, { name: extended }],
          womenExtra: two-cancer-screening }
        """
    static let capacity = 13
    static let startDate = CalendarDate("2027-03-06")!
    static let holidays = [CalendarDate("2027-03-15")!, CalendarDate("2027-04-05")!]

    static func campaignYAML(batchSize: Int = 40, lease: String = "10s", maxAttempts: Int = 5) -> String {
        ProgramFixtures.campaignYAML(
            name: campaign, program: HealthCheckupProgram.name, queue: CheckupFixtures.queue, batchSize: batchSize, lease: lease,
            maxAttempts: maxAttempts, parameters: parameters)
    }

    /// The test roster (``CheckupFixtures/insertMembers(_:on:)``) booked by a vans run with `workers` in-process workers.
    static func book(_ members: Int, workers: Int = 4, on pool: PostgresPool) async throws -> RunSummary {
        try await CheckupFixtures.insertMembers(members, on: pool)
        try await ProgramFixtures.apply(campaignYAML(), on: pool)
        return try await ProgramFixtures.runToEnd(campaign, queue: CheckupFixtures.queue, workers: workers, pool: pool)
    }

    /// Every appointment as `member van date seat site job`, by member: what a batch run again must leave as it is.
    static func snapshot(on pool: PostgresPool) async throws -> [String] {
        try await pool.query("""
            SELECT member_id || ' ' || hospital || ' ' || appointment_date || ' ' || seat_in_day || ' ' || site || ' ' || job_id
            FROM benefit.appointment ORDER BY member_id COLLATE "C"
            """).decode(String.self)
    }

    /// Statements that count what breaks the vans' rules: each must count 0.
    static let broken: [(rule: String, sql: String)] = [
        ("a van-day over capacity", """
            SELECT count(*) FROM (SELECT 1 FROM benefit.appointment WHERE cancelled_at IS NULL
                                  GROUP BY hospital, appointment_date HAVING count(*) > max(daily_capacity)) d
            """),
        ("a van-day at two sites", """
            SELECT count(*) FROM (SELECT 1 FROM benefit.appointment GROUP BY hospital, appointment_date HAVING count(DISTINCT site) > 1) d
            """),
        ("an appointment away from the member's unit", """
            SELECT count(*) FROM benefit.appointment a JOIN benefit.member m USING (member_id)
            WHERE a.kind <> 'van' OR a.site IS DISTINCT FROM m.org_unit
            """),
        ("an appointment off its van-day", """
            SELECT count(*) FROM benefit.appointment a
            WHERE NOT EXISTS (SELECT 1 FROM benefit.van_day d WHERE d.van = a.hospital AND d.day = a.appointment_date AND d.site = a.site)
            """),
        ("a unit on two vans", """
            SELECT count(*) FROM (SELECT 1 FROM benefit.appointment GROUP BY site HAVING count(DISTINCT hospital) > 1) d
            """),
        ("a seat out of the plan's order (a unit's members by member_id, day by day, seat by seat)", """
            SELECT count(*) FROM (
                SELECT row_number() OVER (PARTITION BY site ORDER BY member_id COLLATE "C") AS by_member,
                       row_number() OVER (PARTITION BY site ORDER BY appointment_date, seat_in_day) AS by_seat,
                       seat_in_day, count(*) OVER (PARTITION BY hospital, appointment_date) AS on_day,
                       max(seat_in_day) OVER (PARTITION BY hospital, appointment_date) AS last_seat
                FROM benefit.appointment) s
            WHERE by_member <> by_seat OR on_day <> last_seat
            """),
    ]

    /// Members who are due by the test roster's rules: staff or retired, no checkup or one on or before 2026-03-06.
    static let dueMembers = """
        SELECT member_id, org_unit FROM benefit.member
        WHERE employment IN ('staff', 'retired') AND (last_checkup_date IS NULL OR last_checkup_date <= date '2026-03-06')
        """
}
