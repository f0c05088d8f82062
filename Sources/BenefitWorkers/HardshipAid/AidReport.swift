import Foundation
import PostgresClient

/// Hardship aid paid in one year: people helped and money paid, in all and by
/// category, by employment (in service or retired) and by org unit. The same
/// figures as the queries of docs/sql.md (Hardship aid), from `benefit.aid_payments`.
public struct AidReport: Sendable, Hashable, Codable {
    /// One group's figures.
    public struct Line: Sendable, Hashable, Codable {
        /// The category, `in service` / `retired`, or the org unit; `all` for the total.
        public let group: String
        /// Distinct members paid.
        public let people: Int
        /// Payments made (a member may have several).
        public let payments: Int
        public let amount: Decimal
    }

    public let year: Int
    public let total: Line
    public let byCategory: [Line]
    public let byService: [Line]
    public let byOrgUnit: [Line]

    /// The year a payment counts in is read in this zone (the union's).
    public static let timeZone = "Asia/Shanghai"

    /// The report for `year`.
    public static func read(year: Int, on pool: PostgresPool) async throws -> AidReport {
        func lines(_ query: PostgresQuery) async throws -> [Line] {
            try await pool.query(query).decode((String, Int, Int, Decimal).self)
                .map { Line(group: $0.0, people: $0.1, payments: $0.2, amount: $0.3) }
        }
        let total = try await lines(AidReportQueries.total(year: year)).first ?? Line(group: "all", people: 0, payments: 0, amount: 0)
        return AidReport(
            year: year, total: total,
            byCategory: try await lines(AidReportQueries.byCategory(year: year)),
            byService: try await lines(AidReportQueries.byService(year: year)),
            byOrgUnit: try await lines(AidReportQueries.byOrgUnit(year: year)))
    }
}

/// Run by `aid report`: the year's payments grouped one way each, `group, people, payments, amount`.
enum AidReportQueries {
    private static func inYear(_ year: Int) -> PostgresQuery {
        "date_part('year', paid_at AT TIME ZONE \(AidReport.timeZone)) = \(year)"
    }

    static func total(year: Int) -> PostgresQuery {
        """
        SELECT 'all', count(DISTINCT member_id), count(*), coalesce(sum(amount), 0)
        FROM benefit.aid_payments WHERE \(subquery: inYear(year))
        """
    }

    static func byCategory(year: Int) -> PostgresQuery {
        """
        SELECT category, count(DISTINCT member_id), count(*), sum(amount)
        FROM benefit.aid_payments WHERE \(subquery: inYear(year)) GROUP BY category ORDER BY category
        """
    }

    static func byService(year: Int) -> PostgresQuery {
        """
        SELECT service, count(DISTINCT member_id), count(*), sum(amount)
        FROM benefit.aid_payments WHERE \(subquery: inYear(year)) GROUP BY service ORDER BY service
        """
    }

    static func byOrgUnit(year: Int) -> PostgresQuery {
        """
        SELECT org_unit, count(DISTINCT member_id), count(*), sum(amount)
        FROM benefit.aid_payments WHERE \(subquery: inYear(year)) GROUP BY org_unit ORDER BY sum(amount) DESC, org_unit
        """
    }
}
