import BenefitCore
import Foundation
import PostgresClient

/// The statements over `benefit.member` that choose a health-checkup run's members.
///
/// All run in the planning job's fenced transaction, and all are built on
/// ``due(_:)``, so the unit counts the plan is made from and the population
/// count the same members. The roster never comes into memory: only counts per
/// org unit do.
enum DueQueries {
    /// What a run's due members depend on.
    struct Scope: Sendable {
        let runID: Int
        let campaignID: Int
        let cycle: String
        /// The run's fire date: members who left on or before it are not due.
        let referenceDate: CalendarDate
        let parameters: CheckupParameters
    }

    /// The members due in the run, `member_id, org_unit`: members on the
    /// reference date, of an admitted
    /// employment type, never checked up or last checked up on or before the
    /// cycle's start date minus `interval` (PostgreSQL's interval arithmetic),
    /// and not yet booked by this campaign in this cycle (``ProgramQueries/unserved(_:_:campaignID:cycle:)``).
    static func due(_ scope: Scope) -> PostgresQuery {
        let interval = scope.parameters.interval.parts
        let candidates: PostgresQuery = """
            FROM benefit.member m
            JOIN benefit.checkup_cycle c ON c.campaign_id = \(scope.campaignID) AND c.cycle = \(scope.cycle)
            WHERE m.employment = ANY (\(scope.parameters.employment.map(\.rawValue)))
              AND (m.last_checkup_date IS NULL
                   OR m.last_checkup_date <= c.start_date - make_interval(years => \(interval.years)::int,
                                                                        months => \(interval.months)::int,
                                                                        days => \(interval.days)::int))
              AND \(subquery: ProgramQueries.memberOn(scope.referenceDate))
            """
        return ProgramQueries.unserved("m.member_id, m.org_unit", candidates, campaignID: scope.campaignID, cycle: scope.cycle)
    }

    /// Run by the planning job, in `prepare`: due members per org unit.
    static func units(_ scope: Scope) -> PostgresQuery {
        "SELECT d.org_unit, count(*) FROM (\(subquery: due(scope))) AS d GROUP BY d.org_unit"
    }

    /// Run by the planning job (through the engine's fan-out): the population,
    /// ranked by the position of the hospital the plan gives the member's org
    /// unit, then org unit, then member_id, both in "C" order (independent of
    /// the database's collation). So each hospital's members have the ranks the
    /// plan reserved for it, and each unit's members consecutive ones.
    static func population(_ scope: Scope) -> PostgresQuery {
        """
        SELECT d.member_id, row_number() OVER (ORDER BY p.position, d.org_unit COLLATE "C", d.member_id COLLATE "C")
        FROM (\(subquery: due(scope))) AS d
        JOIN benefit.checkup_plan_unit u ON u.run_id = \(scope.runID) AND u.org_unit = d.org_unit
        JOIN benefit.checkup_plan p ON p.run_id = \(scope.runID) AND p.hospital = u.hospital
        """
    }

    /// Run by the planning job of a checkup-van run (through the engine's fan-out):
    /// the population, ranked by the first rank the plan gives the member's org
    /// unit (the site of its van-days), then member_id in "C" order. So each
    /// van-day's members have the ranks the plan seated there.
    static func vanPopulation(_ scope: Scope) -> PostgresQuery {
        """
        SELECT d.member_id, row_number() OVER (ORDER BY v.first_rank, d.member_id COLLATE "C")
        FROM (\(subquery: due(scope))) AS d
        JOIN (SELECT site, min(first_rank) AS first_rank FROM benefit.van_day WHERE run_id = \(scope.runID) GROUP BY site) AS v
          ON v.site = d.org_unit
        """
    }
}
