import BenefitCore
import BenefitWorkers
import Foundation
import PostgresClient

/// Rosters, campaigns, the database's placement, and the one-by-one reference
/// placement for the recuperation tests.
enum RecuperationFixtures {
    /// The queue the test campaigns use.
    static let queue = "recuperation"

    /// A recuperation campaign file; `parameters` is a YAML flow mapping.
    static func campaignYAML(name: String, batchSize: Int = 50, lease: String = "10s", maxAttempts: Int = 5, parameters: String) -> String {
        ProgramFixtures.campaignYAML(
            name: name, program: RecuperationProgram.name, queue: queue, batchSize: batchSize, lease: lease,
            maxAttempts: maxAttempts, parameters: parameters)
    }

    /// Members `R000001` … `R{count}` with few distinct combinations of what
    /// recuperation ranks by, so the seeded draw decides many ties:
    /// employment by `g % 10` (0 retired, odd staff, even migrant), frontline
    /// every third, model worker every seventh, hire date by `g / 3 % 5` (none,
    /// 2001-01-01, 2012-07-01, 2020-03-15, 2025-09-01) and last trip by `g % 6`
    /// (never, never, 2015, 2020, 2022, 2024).
    static func insertTiedMembers(_ count: Int, on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, hire_date, employment,
                                        frontline, model_worker, last_recuperation_year)
            SELECT 'R' || lpad(g::text, 6, '0'), 'Member ' || g, 'Unit ' || (g % 40), CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                   date '1970-01-01' + (g % 3000)::int,
                   (ARRAY[NULL, date '2001-01-01', date '2012-07-01', date '2020-03-15', date '2025-09-01'])[1 + g / 3 % 5],
                   CASE WHEN g % 10 = 0 THEN 'retired' WHEN g % 2 = 1 THEN 'staff' ELSE 'migrant' END,
                   g % 3 = 0, g % 7 = 0,
                   (ARRAY[NULL, NULL, 2015, 2020, 2022, 2024])[1 + g % 6]
            FROM generate_series(1, \(count)) AS g
            """)
    }

    /// One member, staff unless said otherwise.
    static func insertMember(
        _ id: String, frontline: Bool = false, modelWorker: Bool = false, hired: String? = "2010-01-01",
        lastTrip: Int? = nil, employment: String = "staff", on pool: PostgresPool
    ) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, hire_date, employment,
                                        frontline, model_worker, last_recuperation_year)
            VALUES (\(id), 'Member ' || \(id), 'Unit 1', 'F', date '1980-01-01', \(hired.flatMap(CalendarDate.init)), \(employment),
                    \(frontline), \(modelWorker), \(lastTrip))
            """)
    }

    /// Where a member was placed: the session, and their rank in the run that placed them.
    struct Place: Equatable, Sendable, CustomStringConvertible {
        let site: String
        let start: CalendarDate
        let rank: Int

        var description: String { "\(site) \(start) #\(rank)" }
    }

    /// The campaign's allocations, member → place, through the administrators' view.
    static func placements(_ campaign: String, on pool: PostgresPool) async throws -> [String: Place] {
        let rows = try await pool.query("""
            SELECT member_id, site, session_start, rank FROM benefit.allocations WHERE campaign = \(campaign)
            """).decode((String, String, CalendarDate, Int).self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, Place(site: $0.1, start: $0.2, rank: $0.3)) })
    }

    /// The campaign's waitlist, member → rank.
    static func waitlist(_ campaign: String, on pool: PostgresPool) async throws -> [String: Int] {
        let rows = try await pool.query("""
            SELECT member_id, rank FROM benefit.waitlist WHERE campaign = \(campaign) AND program = 'recuperation'
            """).decode((String, Int).self)
        return Dictionary(uniqueKeysWithValues: rows)
    }

    /// Members per session, `site, session_start, capacity, members`, in file order.
    static func fill(_ campaign: String, on pool: PostgresPool) async throws -> [(site: String, start: CalendarDate, capacity: Int, members: Int)] {
        try await pool.query("""
            SELECT s.site, s.session_start, s.capacity, count(a.member_id)
            FROM benefit.recuperation_session s
            JOIN benefit.campaign c ON c.id = s.campaign_id
            LEFT JOIN benefit.allocation a ON a.campaign_id = s.campaign_id AND a.cycle = s.cycle AND a.position = s.position
            WHERE c.name = \(campaign)
            GROUP BY s.site, s.session_start, s.capacity, s.position
            ORDER BY s.position
            """).decode((String, CalendarDate, Int, Int).self).map { (site: $0.0, start: $0.1, capacity: $0.2, members: $0.3) }
    }
}
