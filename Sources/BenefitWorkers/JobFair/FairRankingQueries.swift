import BenefitCore
import Foundation
import PostgresClient

/// The statements over `benefit.member` that choose and rank a job-fair run's
/// members: by district first, so each district's ranks are contiguous, then
/// by the campaign's criteria.
///
/// Both run in the planning job's fenced transaction, after ``FairQueries/open(runID:)``,
/// and are built on ``eligible(_:)``, so the plan counts the members the population ranks.
enum FairRankingQueries {
    /// What the eligibility and ranking of one run depend on.
    struct Scope: Sendable {
        let campaignID: Int
        let cycle: String
        /// The run's fire date: members who left on or before it are not invited.
        let referenceDate: CalendarDate
        let parameters: JobFairParameters
    }

    /// The members a run invites, with what they are ranked by:
    /// `member_id, hardship_tier, frontline, district, first_position`.
    ///
    /// Invited: a member on the reference date, of an invited employment type, not
    /// yet placed or waitlisted by this campaign in this cycle. `district` is their
    /// org unit's in `benefit.org_unit` (NULL: not in the register);
    /// `first_position` is the position of their district's first fair of the cycle
    /// (NULL: no fair in their district, or no district), which orders the districts.
    static func eligible(_ scope: Scope) -> PostgresQuery {
        let candidates: PostgresQuery = """
            FROM benefit.member m
            WHERE m.employment = ANY (\(scope.parameters.employment.map(\.rawValue)))
              AND \(subquery: ProgramQueries.memberOn(scope.referenceDate))
            """
        let unserved = ProgramQueries.unserved(
            "m.member_id, m.hardship_tier, m.frontline, m.org_unit", candidates, campaignID: scope.campaignID, cycle: scope.cycle)
        return """
            SELECT m.member_id, m.hardship_tier, m.frontline, u.district, d.first_position
            FROM (\(subquery: unserved)) AS m
            LEFT JOIN benefit.org_unit u ON u.org_unit = m.org_unit
            LEFT JOIN (
                SELECT f.district, min(f.position) AS first_position FROM benefit.job_fair f
                WHERE f.campaign_id = \(scope.campaignID) AND f.cycle = \(scope.cycle)
                GROUP BY f.district
            ) d ON d.district = u.district
            """
    }

    /// Run by the planning job, in `prepare`: how many members each district with
    /// fairs ranks, `first_position, count`, in the population's district order.
    /// Members with no fair in their district rank after all of these.
    static func countByDistrict(_ scope: Scope) -> PostgresQuery {
        """
        SELECT e.first_position, count(*) FROM (\(subquery: eligible(scope))) AS e
        WHERE e.first_position IS NOT NULL
        GROUP BY e.first_position
        ORDER BY e.first_position
        """
    }

    /// Run by the planning job (through the engine's fan-out): the population,
    /// ranked by district (the district whose first fair comes first in the file
    /// first; members with no fair in their district last), then by `rankBy`, then
    /// by the seeded draw `md5(seed::text || ':' || member_id)`, then by
    /// `member_id`, both in "C" (byte) order.
    ///
    /// The slots of the ORDER BY are fixed SQL; each takes its criterion as a
    /// bound value (NULL: no criterion, every member ties). Every criterion is a
    /// number where more ranks first:
    /// - `hardship`: 3 for tier 1, 2 for tier 2, 1 for tier 3, 0 for none;
    /// - `frontline`: 1 for true, 0 for false.
    static func population(_ scope: Scope) -> PostgresQuery {
        let rankBy = scope.parameters.rankBy.map(\.rawValue)
        let slots = (0..<FairRankCriterion.allCases.count).map { $0 < rankBy.count ? rankBy[$0] : nil }
        return """
            SELECT e.member_id, row_number() OVER (ORDER BY
                       e.first_position NULLS LAST,
                       \(subquery: key(slots[0])) DESC, \(subquery: key(slots[1])) DESC,
                       md5(\(scope.parameters.seed)::text || ':' || e.member_id) COLLATE "C", e.member_id COLLATE "C")
            FROM (\(subquery: eligible(scope))) AS e
            """
    }

    /// One slot of the ranking's ORDER BY over an eligible row `e`: the criterion's number.
    private static func key(_ criterion: String?) -> PostgresQuery {
        """
        CASE \(criterion)::text
            WHEN \(FairRankCriterion.hardship.rawValue) THEN 4 - coalesce(e.hardship_tier, 4)
            WHEN \(FairRankCriterion.frontline.rawValue) THEN e.frontline::int
        END
        """
    }
}
