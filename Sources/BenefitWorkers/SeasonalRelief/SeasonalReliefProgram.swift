import BenefitQueue
import BenefitScheduler
import Foundation
import PostgresClient

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
/// - batches of a cycle that grant hold the ledger row lock one at a time, from
///   their grant statement to their commit, so they check what is left against
///   every batch committed before them; batches that only waitlist share the
///   row with each other, and still wait for (and are waited for by) those
///   that grant, so a member is never both granted and waitlisted;
/// - the members granted are those of the plan, whatever order batches run in
///   and however often a batch is retried after a crash: a batch's effects
///   commit once, in its fenced transaction, and who it grants depends only on
///   the plan and the member's tier and member_id;
/// - a member gets at most one grant or waitlist entry per campaign and cycle
///   (the primary keys), and a second run of the cycle serves only members the
///   first did not reach.
public struct SeasonalReliefProgram: BenefitProgram {
    /// The program's name in campaign files.
    public static let name = "seasonal-relief"
    public let program = Self.name
    /// What the cycle's first run opens: the cycle's ledger (`benefit.open_relief_budget`).
    public let fixedPerCycle = ["budget"]
    /// What `campaign topup` adds to a cycle: money (``BudgetTopUp``).
    public let toppedUpPerCycle = ["budget"]

    public init() {}

    public func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.reliefParameters(parameters)
    }

    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        let scope = try Self.scope(of: run)
        let parameters = scope.parameters
        let remaining = try await transaction.query(BudgetLedgerQueries.open(runID: run.runID)).single(Decimal.self)
        // Every eligible tier has an amount (the population only takes payable tiers).
        let tiers = try await transaction.query(EligibilityQueries.tiers(scope)).decode((Int?, Int, String).self)
            .compactMap { tier, eligible, last in
                parameters.amount(forTier: tier).map { (tier: tier, eligible: eligible, amount: $0, last: last) }
            }
        let allotment = ReliefAllotment.plan(tiers: tiers.map { ($0.tier, $0.eligible, $0.amount) }, remaining: remaining)
        // The last member each tier's grants reach: the tier's last when all fit,
        // else found by position (one bounded sort per tier the budget cuts).
        var lastGranted: [Int?: String] = [:]
        for (share, tier) in zip(allotment.shares, tiers) where share.grants > 0 {
            lastGranted[share.tier] = share.grants == share.eligible
                ? tier.last
                : try await transaction.query(EligibilityQueries.member(at: share.grants, tier: share.tier, scope)).single(String.self)
        }
        try await transaction.query(AllotmentQueries.record(runID: run.runID, allotment, lastGranted: lastGranted))
    }

    public func population(_ run: RunContext) throws -> PostgresQuery {
        EligibilityQueries.population(try Self.scope(of: run))
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let run = batch.run
        let parameters = try Self.parameters(of: run)
        // A batch that grants takes the ledger row to itself; one that only waitlists
        // shares it with others like it. Either way the lock comes before the grant
        // statement, whose snapshot then sees every batch that held it before.
        let grants = try await transaction.query(GrantQueries.plannedMembers(batch)).single(Int.self) > 0
        let lock = BudgetLedgerQueries.lock(campaignID: run.campaignID, cycle: run.cycle, toGrant: grants)
        guard let remaining: Decimal = try await transaction.query(lock).single(Decimal?.self) else {
            throw PermanentFailure("seasonal-relief: campaign \(run.campaign) has no budget ledger for cycle \(run.cycle); its run was not planned by this program")
        }
        let (_, amount) = try await transaction.query(
            GrantQueries.grantBatch(batch, season: parameters.season, remaining: remaining, mayGrant: grants)
        ).single((Int, Decimal).self)
        return BatchOutcome(members: batch.memberIDs.count, amount: amount)
    }

    /// The run's parameters, read as they were validated (see ``CampaignValueReader/readStored(_:campaign:program:_:)``).
    static func parameters(of run: RunContext) throws -> ReliefParameters {
        try CampaignValueReader.readStored(run.parameters, campaign: run.campaign, program: name) { $0.reliefParameters($1) }
    }

    static func scope(of run: RunContext) throws -> EligibilityQueries.Scope {
        EligibilityQueries.Scope(
            campaignID: run.campaignID, cycle: run.cycle, year: run.fireYear, referenceDate: run.fireDate, parameters: try parameters(of: run))
    }
}
