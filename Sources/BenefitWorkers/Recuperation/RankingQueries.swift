import BenefitCore
import Foundation
import PostgresClient

/// The statements over `benefit.member` that choose and rank a recuperation
/// run's members.
///
/// They run in the planning job's fenced transaction: ``rank(_:)`` in the
/// program's `prepare`, then the engine's fan-out cuts ``ranked`` into batches
/// and says how many members it ranked: the plan is made from that count. The
/// roster never comes into memory.
enum RankingQueries {
    /// What the eligibility and ranking of one run depend on.
    struct Scope: Sendable {
        let campaignID: Int
        let cycle: String
        /// The cycle's year `Y`: the calendar year of the run's fire time in the campaign's zone.
        let year: Int
        /// The run's fire date: members who left on or before it are not eligible.
        let referenceDate: CalendarDate
        let parameters: RecuperationParameters
        /// Whether the campaign has served anyone in the cycle, asked in the
        /// planning transaction (``ProgramQueries/cycleServed(campaignID:cycle:)``).
        let cycleServed: Bool
    }

    /// A member's full years of service on 1 January of the cycle's year `Y` (0
    /// if hired since, NULL without a hire date), for the member row `m`.
    ///
    /// A member hired on 1 January of year `H` has `Y - H` full years; hired on
    /// any later day of `H`, one fewer. The day before the hire date is in year
    /// `H - 1` exactly in the first case, so the years are `Y - 1 - year(hire - 1)`:
    /// the same as `age(Y-01-01, hire)`'s years, without building an interval
    /// for every member (0.7 s less per scan of 4,300,000 members). The NULL is
    /// the CASE's: `greatest` ignores NULLs, and without it a member with no
    /// hire date had 0 years, tied with members hired last year, where the
    /// ranking puts them after everyone.
    private static func serviceYears(_ scope: Scope) -> PostgresQuery {
        """
        CASE WHEN m.hire_date IS NOT NULL
             THEN greatest(0, \(scope.year)::int - 1 - extract(year FROM m.hire_date - 1)::int) END
        """
    }

    /// The members a run may place, with what they are ranked by:
    /// `member_id, frontline, model_worker, years_since_last, service_years`.
    /// Eligible: a member on the reference date, an admitted employment type, enough service years (0: no
    /// minimum, so no hire date is needed), no trip within `notWithinYears` of
    /// the cycle's year (0: no limit), and not yet placed or waitlisted by this
    /// campaign in this cycle (so a second run in the cycle ranks only members
    /// the first did not reach: ``ProgramQueries/unserved(_:_:campaignID:cycle:served:)``).
    static func eligible(_ scope: Scope) -> PostgresQuery {
        let parameters = scope.parameters
        let candidates: PostgresQuery = """
            FROM benefit.member m
            WHERE m.employment = ANY (\(parameters.employment.map(\.rawValue)))
              AND (\(parameters.minServiceYears) = 0 OR \(subquery: serviceYears(scope)) >= \(parameters.minServiceYears))
              AND (\(parameters.notWithinYears) = 0 OR m.last_recuperation_year IS NULL
                   OR \(scope.year) - m.last_recuperation_year >= \(parameters.notWithinYears))
              AND \(subquery: ProgramQueries.memberOn(scope.referenceDate))
            """
        let columns: PostgresQuery = """
            m.member_id, m.frontline, m.model_worker, \(scope.year) - m.last_recuperation_year AS years_since_last,
            \(subquery: serviceYears(scope)) AS service_years
            """
        return ProgramQueries.unserved(columns, candidates, campaignID: scope.campaignID, cycle: scope.cycle, served: scope.cycleServed)
    }

    /// Run by the planning job in `prepare`: ranks the population into
    /// `pg_temp.recuperation_ranking` (`member_id, rank`), a table of the planning
    /// transaction's own, dropped at its end, commit or rollback.
    ///
    /// A statement of its own so that it reads and sorts on every core: the
    /// engine's fan-out writes (the batches), and PostgreSQL plans a statement
    /// that writes without parallel workers, while ranking is most of the
    /// planning's time here (the criteria and the seeded draw for every eligible
    /// member, and the sort). At 4,300,000 members the planning took 14.3 and
    /// 15.0 s this way against 19.8 and 19.2 s in the fan-out (BENCHMARKS.md,
    /// 2026-12-07). The cycle's served members are taken away in one branch of
    /// ``ProgramQueries/unserved(_:_:campaignID:cycle:served:)``: the statement
    /// with both branches behind one-time tests gets no parallel plan.
    ///
    /// The workers' login needs the database's TEMPORARY privilege, which
    /// PostgreSQL grants to PUBLIC (docs/operations.md).
    static func rank(_ scope: Scope) -> PostgresQuery {
        "CREATE TEMPORARY TABLE recuperation_ranking ON COMMIT DROP AS \(subquery: population(scope))"
    }

    /// Run by the planning job through the engine's fan-out, after ``rank(_:)``: the ranked population.
    static let ranked: PostgresQuery = "SELECT member_id, rank FROM pg_temp.recuperation_ranking"

    /// The population, ranked by `rankBy`, then by the seeded draw
    /// `md5(seed::text || ':' || member_id)`, then by `member_id`, both in "C"
    /// (byte) order so the ranking does not depend on the database's collation.
    ///
    /// The four slots of the ORDER BY are fixed SQL; each takes its criterion as
    /// a bound value (NULL: no criterion, every member ties). Every criterion is
    /// a number where more ranks first:
    /// - `frontline`, `modelWorker`: 1 for true, 0 for false;
    /// - `yearsSinceLast`: `Y - last_recuperation_year`, never gone above anyone;
    /// - `serviceYears`: full years to 1 January, no hire date below anyone.
    private static func population(_ scope: Scope) -> PostgresQuery {
        let rankBy = scope.parameters.rankBy.map(\.rawValue)
        let slots = (0..<RankCriterion.allCases.count).map { $0 < rankBy.count ? rankBy[$0] : nil }
        return """
            SELECT e.member_id, row_number() OVER (ORDER BY
                       \(subquery: key(slots[0])) DESC, \(subquery: key(slots[1])) DESC,
                       \(subquery: key(slots[2])) DESC, \(subquery: key(slots[3])) DESC,
                       md5(\(scope.parameters.seed)::text || ':' || e.member_id) COLLATE "C", e.member_id COLLATE "C") AS rank
            FROM (\(subquery: eligible(scope))) AS e
            """
    }

    /// One slot of the ranking's ORDER BY over an eligible row `e`: the criterion's number.
    private static func key(_ criterion: String?) -> PostgresQuery {
        """
        CASE \(criterion)::text
            WHEN \(RankCriterion.frontline.rawValue) THEN e.frontline::int
            WHEN \(RankCriterion.modelWorker.rawValue) THEN e.model_worker::int
            WHEN \(RankCriterion.yearsSinceLast.rawValue) THEN coalesce(e.years_since_last, 2147483647)
            WHEN \(RankCriterion.serviceYears.rawValue) THEN coalesce(e.service_years, -1)
        END
        """
    }
}
