import BenefitCore
import BenefitScheduler
import BenefitWorkers
import Foundation
import PostgresClient

/// Rosters, campaigns and queries for the health-checkup tests.
enum CheckupFixtures {
    /// The queue the test campaigns use.
    static let queue = "checkup"
    /// A Saturday: the first appointments fall on Monday 2027-03-08.
    static let startDate = CalendarDate("2027-03-06")!
    static let holidays = [CalendarDate("2027-04-05")!, CalendarDate("2027-05-03")!]
    /// Two hospitals of odd capacities, 60 seats a workday together.
    static let parameters = """
        { interval: 1y, startDate: 2027-03-06, holidays: [2027-04-05, 2027-05-03],
          hospitals: [{ name: 市第一人民医院, dailyCapacity: 37 }, { name: 中医附院, dailyCapacity: 23 }],
          packages: [{ name: basic, ageBelow: 35 }, { name: standard, ageBelow: 50 }, { name: extended }],
          womenExtra: two-cancer-screening }
        """

    /// Members `C000001` … `C{count}`, in org units `U001` … of very different
    /// sizes (unit k holds 2k + 1 members), aged about 22 to 77, alternately women
    /// and men. By `g`: `g % 7 = 0` had a checkup on 2026-10-01 (not due under
    /// `1y` from 2027-03-06), `g % 11 = 0` is a migrant worker (not admitted),
    /// `g % 13 = 0` had one exactly on 2026-03-06 (due: on the cutoff), `g % 5 = 0`
    /// on 2025-01-01 (due); the rest never had one. Every other member is staff or retired.
    static func insertMembers(_ count: Int, on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, last_checkup_date)
            SELECT 'C' || lpad(g::text, 6, '0'), 'Member ' || g, 'U' || lpad(floor(sqrt(g))::int::text, 3, '0'),
                   CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                   date '1950-01-01' + (g * 37 % 20000)::int,
                   CASE WHEN g % 11 = 0 THEN 'migrant' WHEN g % 3 = 0 THEN 'retired' ELSE 'staff' END,
                   CASE WHEN g % 7 = 0 THEN date '2026-10-01' WHEN g % 13 = 0 THEN date '2026-03-06'
                        WHEN g % 5 = 0 THEN date '2025-01-01' END
            FROM generate_series(1, \(count)) AS g
            """)
    }

    /// Two members who joined after a run booked its cycle, with no appointment: LATE1 and LATE2, of unit U001.
    static func insertLateMembers(on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
            VALUES ('LATE1', 'Late', 'U001', 'F', date '1980-01-01', 'staff'), ('LATE2', 'Later', 'U001', 'M', date '1980-01-01', 'staff')
            """)
    }

    /// A health-checkup campaign file; `parameters` is a YAML flow mapping.
    static func campaignYAML(name: String = "checkup", batchSize: Int = 50, parameters: String = parameters) -> String {
        ProgramFixtures.campaignYAML(name: name, program: HealthCheckupProgram.name, queue: queue, batchSize: batchSize, parameters: parameters)
    }

    /// Applies the campaign, triggers a run in `year`'s cycle with `workers` in-process workers, and waits for it.
    static func run(
        _ campaign: String = "checkup", batchSize: Int = 50, workers: Int, year: Int = 2026, day: Int = 1, on pool: PostgresPool
    ) async throws -> RunSummary {
        try await ProgramFixtures.apply(campaignYAML(name: campaign, batchSize: batchSize), on: pool)
        return try await ProgramFixtures.runToEnd(campaign, queue: queue, year: year, day: day, workers: workers, pool: pool)
    }

    /// Every appointment, `member, hospital, date, package` (the view's), by member.
    static func appointments(on pool: PostgresPool) async throws -> [Appointment] {
        try await pool.query("""
            SELECT member_id, hospital, appointment_date, package FROM benefit.appointments ORDER BY member_id COLLATE "C"
            """).decode((String, String, CalendarDate, String).self)
            .map { Appointment(member: $0.0, hospital: $0.1, date: $0.2, package: $0.3) }
    }

    struct Appointment: Equatable, Sendable {
        let member: String
        let hospital: String
        let date: CalendarDate
        let package: String
    }
}
