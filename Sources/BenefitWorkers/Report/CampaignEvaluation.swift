import BenefitScheduler
import Foundation
import PostgresClient

/// The evaluation of one campaign's cycle (效果评估): who was covered and who
/// waits, the money and places it gave, how its runs went, and how it compares
/// with the cycle before. Every figure is read from the administrators' views
/// (``CampaignEvaluationQueries``, docs/sql.md, Evaluating a campaign).
///
/// Eligible means taken on by a run of the cycle: served (a grant, an
/// appointment, a place, an aid payment) or still waitlisted. A member who had
/// left the union on or before the cycle's reference date is not eligible and
/// is counted apart (``leavers``).
public struct CampaignEvaluation: Sendable, Codable, Equatable {
    /// Eligible, served and waitlisted members of one group.
    public struct Coverage: Sendable, Codable, Equatable {
        /// The org unit, employment, gender or age band; `all` for the whole cycle.
        public let group: String
        public let eligible: Int
        public let served: Int
        public let waitlisted: Int

        /// Served as a share of eligible, 0 to 1 (0 when nobody was eligible).
        public var servedShare: Double { eligible == 0 ? 0 : Double(served) / Double(eligible) }
    }

    /// The coverage of the groups along one dimension.
    public struct Breakdown: Sendable, Codable, Equatable {
        /// `org unit`, `employment`, `gender` or `age band`.
        public let dimension: String
        public let lines: [Coverage]
    }

    /// Members waiting for one reason.
    public struct Reason: Sendable, Codable, Equatable {
        public let reason: String
        public let members: Int
    }

    /// Money granted or paid to one group: a relief tier, an aid category.
    public struct Money: Sendable, Codable, Equatable {
        public let group: String
        public let members: Int
        public let amount: Decimal
    }

    /// Places used at one place on one day: a recuperation session (site and
    /// first day), a hospital's checkup day, a job fair (`district · fair` and its
    /// day), or a district's job fairs together.
    public struct Place: Sendable, Codable, Equatable {
        public let place: String
        /// `YYYY-MM-DD`, or `all fairs` for a district's job fairs together.
        public let day: String
        public let used: Int
        public let capacity: Int
    }

    /// Where a checkup van is on one workday, and how many it sees there (`benefit.van_route`).
    public struct VanStop: Sendable, Codable, Equatable {
        public let van: String
        /// `YYYY-MM-DD`.
        public let day: String
        /// The org unit the van visits.
        public let site: String
        public let booked: Int
        public let capacity: Int
    }

    /// How one run of the cycle went.
    public struct RunHealth: Sendable, Codable, Equatable {
        public let runID: Int
        public let trigger: String
        public let state: RunState
        public let fireTime: Date
        /// From start to finish; nil while it runs.
        public let seconds: Double?
        /// From its planning job's first attempt to its last attempt's end; nil once pruned.
        public let planningSeconds: Double?
        public let batchesTotal: Int
        public let batchesSucceeded: Int
        public let batchesDead: Int
        public let membersTotal: Int
        public let membersDone: Int
        /// Attempts of its jobs, and of them: retried, lease expired, commit fenced.
        public let attempts: Int
        public let retries: Int
        public let leasesExpired: Int
        public let fenced: Int
    }

    /// A cycle's headline figures, for the comparison of two cycles.
    public struct Totals: Sendable, Codable, Equatable {
        public let cycle: String
        public let eligible: Int
        public let served: Int
        public let waitlisted: Int
        /// Money granted or paid (0 for programs without money).
        public let amount: Decimal
    }

    public let campaign: String
    public let program: String
    public let cycle: String
    /// The whole cycle's coverage.
    public let total: Coverage
    /// By org unit, employment, gender and age band (on the cycle's reference date).
    public let breakdowns: [Breakdown]
    /// Members with an effect or entry in the cycle who had left on or before its reference date.
    public let leavers: Int
    public let reasons: [Reason]
    /// The cycle's budget (seasonal relief), what of it is spent.
    public let budget: Decimal?
    public let spent: Decimal?
    public let money: [Money]
    public let places: [Place]
    /// Each van's route by day (a checkup in `mode: vans`; empty otherwise).
    public let route: [VanStop]
    public let runs: [RunHealth]
    /// The cycle before this one, when the campaign ran in one.
    public let previous: Totals?

    /// Money granted or paid in the cycle.
    public var amount: Decimal { money.reduce(0) { $0 + $1.amount } }

    /// This cycle's headline figures.
    public var totals: Totals {
        Totals(cycle: cycle, eligible: total.eligible, served: total.served, waitlisted: total.waitlisted, amount: amount)
    }

    /// A campaign or cycle the report cannot be made for: one line naming it.
    public struct Problem: Error, Sendable, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The evaluation of `campaign`'s `cycle`, or of its latest cycle that has a run.
    ///
    /// Read in one repeatable-read transaction, so that every figure is of the same
    /// moment even while runs commit (or a replica replays) beside it.
    public static func read(campaign: String, cycle: String? = nil, on pool: PostgresPool) async throws -> CampaignEvaluation {
        try await pool.transaction(isolation: .repeatableRead) { connection in
            try await read(campaign: campaign, cycle: cycle, on: connection)
        }
    }

    static func read(campaign: String, cycle: String?, on connection: PostgresConnection) async throws -> CampaignEvaluation {
        guard let program = try await connection.query(CampaignEvaluationQueries.program(campaign: campaign)).first(String.self) else {
            throw Problem(description: "there is no campaign \(campaign)")
        }
        let cycles = try await connection.query(CampaignEvaluationQueries.cycles(campaign: campaign)).decode(String.self)
        guard let latest = cycles.last else { throw Problem(description: "campaign \(campaign) has not run yet: no cycle to evaluate") }
        let chosen = cycle ?? latest
        guard cycles.contains(chosen) else {
            throw Problem(description: "campaign \(campaign) has no run in cycle \(chosen) (its cycles: \(cycles.joined(separator: ", ")))")
        }
        let coverage = try await Self.coverage(campaign: campaign, cycle: chosen, on: connection)
        let money = try await connection.query(CampaignEvaluationQueries.money(campaign: campaign, cycle: chosen))
            .decode((String, Int, Decimal).self).map { Money(group: $0.0, members: $0.1, amount: $0.2) }
        let ledger = try await connection.query(CampaignEvaluationQueries.budget(campaign: campaign, cycle: chosen)).first((Decimal, Decimal).self)
        var previous: Totals?
        let before: String? = try await connection.query(CampaignEvaluationQueries.previousCycle(campaign: campaign, cycle: chosen))
            .single(String?.self)
        if let before {
            previous = try await totals(campaign: campaign, cycle: before, on: connection)
        }
        return CampaignEvaluation(
            campaign: campaign, program: program, cycle: chosen,
            total: coverage.total, breakdowns: coverage.breakdowns,
            leavers: try await connection.query(CampaignEvaluationQueries.leavers(campaign: campaign, cycle: chosen)).single(Int.self),
            reasons: try await connection.query(CampaignEvaluationQueries.reasons(campaign: campaign, cycle: chosen))
                .decode((String?, Int).self).map { Reason(reason: $0.0 ?? "", members: $0.1) },
            budget: ledger?.0, spent: ledger?.1, money: money,
            places: try await connection.query(CampaignEvaluationQueries.places(campaign: campaign, cycle: chosen))
                .decode((String, String, Int, Int).self).map { Place(place: $0.0, day: $0.1, used: $0.2, capacity: $0.3) },
            route: try await connection.query(CampaignEvaluationQueries.route(campaign: campaign, cycle: chosen))
                .decode((String, String, String, Int, Int).self)
                .map { VanStop(van: $0.0, day: $0.1, site: $0.2, booked: $0.3, capacity: $0.4) },
            runs: try await runs(campaign: campaign, cycle: chosen, on: connection),
            previous: previous)
    }

    /// The cycle's coverage: the whole, then each dimension's groups.
    static func coverage(campaign: String, cycle: String, on connection: PostgresConnection) async throws -> (total: Coverage, breakdowns: [Breakdown]) {
        let rows = try await connection.query(CampaignEvaluationQueries.coverage(campaign: campaign, cycle: cycle))
            .decode((String, String?, Int, Int, Int).self)
        var total = Coverage(group: "all", eligible: 0, served: 0, waitlisted: 0)
        var breakdowns: [Breakdown] = ["org unit", "employment", "gender", "age band"].map { Breakdown(dimension: $0, lines: []) }
        for (dimension, group, eligible, served, waitlisted) in rows {
            let line = Coverage(group: group ?? "unknown", eligible: eligible, served: served, waitlisted: waitlisted)
            if dimension == "all" { total = line; continue }
            guard let index = breakdowns.firstIndex(where: { $0.dimension == dimension }) else { continue }
            breakdowns[index] = Breakdown(dimension: dimension, lines: breakdowns[index].lines + [line])
        }
        return (total, breakdowns)
    }

    /// A cycle's headline figures.
    static func totals(campaign: String, cycle: String, on connection: PostgresConnection) async throws -> Totals {
        let total = try await coverage(campaign: campaign, cycle: cycle, on: connection).total
        let amount = try await connection.query(CampaignEvaluationQueries.money(campaign: campaign, cycle: cycle))
            .decode((String, Int, Decimal).self).reduce(Decimal(0)) { $0 + $1.2 }
        return Totals(cycle: cycle, eligible: total.eligible, served: total.served, waitlisted: total.waitlisted, amount: amount)
    }

    static func runs(campaign: String, cycle: String, on connection: PostgresConnection) async throws -> [RunHealth] {
        try await connection.query(CampaignEvaluationQueries.runs(campaign: campaign, cycle: cycle))
            .decode((Int, String, String, Date, Double?, Double?, Int, Int, Int, Int, Int, Int, Int, Int, Int).self)
            // The run table's CHECK allows only RunState's values; `pending` is never reached.
            .map {
                RunHealth(
                    runID: $0.0, trigger: $0.1, state: RunState(rawValue: $0.2) ?? .pending, fireTime: $0.3, seconds: $0.4, planningSeconds: $0.5,
                    batchesTotal: $0.6, batchesSucceeded: $0.7, batchesDead: $0.8, membersTotal: $0.9, membersDone: $0.10,
                    attempts: $0.11, retries: $0.12, leasesExpired: $0.13, fenced: $0.14)
            }
    }
}
