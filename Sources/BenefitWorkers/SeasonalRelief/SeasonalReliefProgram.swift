import BenefitScheduler
import Foundation

/// `seasonal-relief` (四季送): money grants to eligible members, by hardship
/// tier, within a budget per campaign and cycle.
///
/// ```yaml
/// program: seasonal-relief
/// parameters:
///   season: winter-warmth
///   eligibility: { hardshipTier: [1, 2, 3] }
///   amounts: { "1": 2000, "2": 1200, "3": 800 }
///   budget: 5000000
/// ```
///
/// **How a run spends the budget.** Planning (``prepare(_:on:)``) opens the
/// cycle's ledger in `benefit.relief_budget` (or finds it open: every run of a
/// cycle shares one budget) and decides the run's allotment: walking the
/// population in rank order, who the budget still covers (``ReliefAllotment``).
/// Each batch (``execute(_:on:)``) then locks the ledger row, grants its planned
/// members in one statement and waitlists the rest with the reason, and commits
/// with the job. So:
/// - the grants never exceed the budget, under any concurrency: each insert of
///   grants adds them to `spent` through a trigger, in the same statement, and
///   the ledger's `CHECK (spent <= budget)` refuses a statement that would
///   overspend, whoever runs it;
/// - batches of a cycle hold the ledger row lock one at a time, only from their
///   grant statement to their commit (a few milliseconds), so they check what
///   is left against every batch committed before them;
/// - the members granted are those of the plan, whatever order batches run in
///   and however often a batch is retried after a crash: a batch's effects
///   commit once, in its fenced transaction, and its decisions depend only on
///   the plan and the member's rank;
/// - a member gets at most one grant or waitlist entry per campaign and cycle
///   (the primary keys), and a second run of the cycle serves only members the
///   first did not reach.
public struct SeasonalReliefProgram: BenefitProgram {
    /// The program's name in campaign files.
    public static let name = "seasonal-relief"
    public let program = Self.name

    public init() {}

    public func problems(in parameters: JSONValue) -> [ParameterProblem] {
        ReliefParameterReader.read(parameters).problems
    }

    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        let scope = try Self.scope(of: run)
        let parameters = scope.parameters
        try await transaction.query(BudgetLedgerQueries.open(campaignID: run.campaignID, cycle: run.cycle, budget: parameters.budget))
        let remaining = try await transaction.query(BudgetLedgerQueries.remaining(campaignID: run.campaignID, cycle: run.cycle))
            .single(Decimal.self)
        let counts = try await transaction.query(EligibilityQueries.tierCounts(scope)).decode((Int?, Int).self)
        let allotment = ReliefAllotment.plan(
            tiers: counts.compactMap { tier, eligible in parameters.amount(forTier: tier).map { (tier, eligible, $0) } },
            remaining: remaining)
        let positions = allotment.shares.filter { $0.grants > 0 }.map { (tier: $0.tier, position: $0.grants) }
        var lastGranted: [Int?: String] = [:]
        if !positions.isEmpty {
            for (tier, member) in try await transaction.query(EligibilityQueries.members(at: positions, scope)).decode((Int?, String).self) {
                lastGranted[tier] = member
            }
        }
        try await transaction.query(AllotmentQueries.record(runID: run.runID, allotment, lastGranted: lastGranted))
    }

    public func population(_ run: RunContext) throws -> PostgresQuery {
        EligibilityQueries.population(try Self.scope(of: run))
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let run = batch.run
        let parameters = try Self.parameters(of: run)
        // The lock comes first, so the grant statement's snapshot (taken after it)
        // sees every batch of the cycle that held it before.
        guard let remaining = try await transaction.query(BudgetLedgerQueries.lock(campaignID: run.campaignID, cycle: run.cycle))
            .first(Decimal.self)
        else {
            throw PermanentFailure("seasonal-relief: campaign \(run.campaign) has no budget ledger for cycle \(run.cycle); its run was not planned by this program")
        }
        let (_, amount) = try await transaction.query(GrantQueries.grantBatch(batch, season: parameters.season, remaining: remaining))
            .single((Int, Decimal).self)
        return BatchOutcome(members: batch.memberIDs.count, amount: amount)
    }

    /// The run's parameters; a campaign stored before a rule was added may fail them, which no retry cures.
    static func parameters(of run: RunContext) throws -> ReliefParameters {
        let (parameters, problems) = ReliefParameterReader.read(run.parameters)
        guard let parameters else {
            throw PermanentFailure("seasonal-relief: campaign \(run.campaign) has bad parameters: "
                + problems.map(\.description).joined(separator: "; "))
        }
        return parameters
    }

    static func scope(of run: RunContext) throws -> EligibilityQueries.Scope {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = run.timeZone
        return EligibilityQueries.Scope(
            campaignID: run.campaignID, cycle: run.cycle, year: calendar.component(.year, from: run.fireTime),
            parameters: try parameters(of: run))
    }
}
