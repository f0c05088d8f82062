import BenefitCore
import Foundation
import PostgresClient

/// The statements over `benefit.member` that choose a seasonal-relief run's members.
///
/// All run in the planning job's fenced transaction, and all are built on
/// ``eligible(_:)``, so the population and the allotment count the same members.
/// The roster never comes into memory: only counts and one member id per tier do.
enum EligibilityQueries {
    /// What the eligibility of one run depends on.
    struct Scope: Sendable {
        let campaignID: Int
        let cycle: String
        /// The calendar year of the run's fire time in the campaign's zone: the cycle's year.
        let year: Int
        /// The run's fire date: members who left on or before it are not eligible.
        let referenceDate: CalendarDate
        let parameters: ReliefParameters
    }

    /// The members a run may serve, `member_id, hardship_tier`: members on the
    /// reference date whom any criterion admits, of an admitted employment type, in a tier that can be
    /// paid, and not yet served by this campaign in this cycle (``ProgramQueries/unserved(_:_:campaignID:cycle:)``).
    static func eligible(_ scope: Scope) -> PostgresQuery {
        let eligibility = scope.parameters.eligibility
        let payable = scope.parameters.payableTiers
        let candidates: PostgresQuery = """
            FROM benefit.member m
            WHERE (m.hardship_tier = ANY (\(eligibility.hardshipTiers))
                   OR (\(eligibility.frontline) AND m.frontline)
                   OR (\(eligibility.childInCollege) AND m.child_college_year = \(scope.year)))
              AND m.employment = ANY (\(scope.parameters.employment.map(\.rawValue)))
              AND (m.hardship_tier = ANY (\(payable.compactMap { $0 })) OR (m.hardship_tier IS NULL AND \(payable.contains(nil))))
              AND \(subquery: ProgramQueries.memberOn(scope.referenceDate))
            """
        return ProgramQueries.unserved("m.member_id, m.hardship_tier", candidates, campaignID: scope.campaignID, cycle: scope.cycle)
    }

    /// Run by the planning job (through the engine's fan-out): the population,
    /// ranked by tier (1 first, none last), then member_id in "C" order, so the
    /// ranking does not depend on the database's collation.
    static func population(_ scope: Scope) -> PostgresQuery {
        """
        SELECT e.member_id, row_number() OVER (ORDER BY e.hardship_tier NULLS LAST, e.member_id COLLATE "C")
        FROM (\(subquery: eligible(scope))) AS e
        """
    }

    /// Run by the planning job, in `prepare`: eligible members per tier (NULL:
    /// none), in rank order, with the last of each tier in rank order.
    static func tiers(_ scope: Scope) -> PostgresQuery {
        """
        SELECT e.hardship_tier, count(*), max(e.member_id COLLATE "C")
        FROM (\(subquery: eligible(scope))) AS e
        GROUP BY e.hardship_tier
        ORDER BY e.hardship_tier NULLS LAST
        """
    }

    /// Run by the planning job, in `prepare`, for a tier the budget covers in
    /// part: its member at `position` in rank order (1 is the first), the last
    /// one the allotment grants. A bounded sort: only `position` rows are kept.
    static func member(at position: Int, tier: Int?, _ scope: Scope) -> PostgresQuery {
        """
        SELECT e.member_id
        FROM (\(subquery: eligible(scope))) AS e
        WHERE e.hardship_tier IS NOT DISTINCT FROM \(tier)::smallint
        ORDER BY e.member_id COLLATE "C"
        OFFSET \(position - 1) LIMIT 1
        """
    }
}
