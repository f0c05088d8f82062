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
/// Each batch (``execute(_:on:)``) then grants its planned members in one
/// statement, waitlists the rest with the reason, and commits with the job,
/// holding the ledger's row lock from its grants' charge to its commit. So:
/// - the grants never exceed the budget, under any concurrency: each insert of
///   grants adds them to `spent` through a trigger, in the same statement, and
///   the ledger's `CHECK (spent <= budget)` refuses a statement that would
///   overspend, whoever runs it;
/// - batches of a cycle that grant hold the ledger row lock one at a time, so
///   they check what is left against every batch committed before them; a batch
///   that granted before taking it checks, once it holds it, that no other run
///   overtook it, and otherwise does its work again under the lock
///   (``grantBeforeLocking``); batches that only waitlist share the row with
///   each other, and still wait for (and are waited for by) those that grant, so
///   a member granted is never waitlisted by an overlapping run;
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
        let season = try Self.parameters(of: run).season
        let (planned, plannedAmount, unlockedRemaining) = try await transaction.query(GrantQueries.plannedMembers(batch))
            .single((Int, Decimal, Decimal?).self)
        if planned > 0, let unlockedRemaining, plannedAmount <= unlockedRemaining,
           let amount = try await grantBeforeLocking(batch, season: season, remaining: unlockedRemaining, on: transaction) {
            return BatchOutcome(members: batch.memberIDs.count, amount: amount)
        }
        // Otherwise the lock comes before the grant statement, whose snapshot then
        // sees every batch that held it before: a batch that grants takes the ledger
        // row to itself; one that only waitlists shares it with others like it.
        let lock = BudgetLedgerQueries.lock(campaignID: run.campaignID, cycle: run.cycle, toGrant: planned > 0)
        guard let remaining: Decimal = try await transaction.query(lock).single(Decimal?.self) else {
            throw PermanentFailure("seasonal-relief: campaign \(run.campaign) has no budget ledger for cycle \(run.cycle); its run was not planned by this program")
        }
        let (_, amount) = try await MemberKeyInsert.insert(on: transaction) {
            GrantQueries.grantBatch(batch, season: season, remaining: remaining, mayGrant: planned > 0, skippingTaken: $0)
        }.single((Int, Decimal).self)
        return BatchOutcome(members: batch.memberIDs.count, amount: amount)
    }

    /// The usual case, with the ledger's lock held only from the grants' insert to
    /// the commit: when what the ledger held a moment ago (`remaining`, read
    /// without a lock) covers every grant the batch plans, the batch grants and
    /// waitlists first, and the grants' trigger then takes the ledger's row lock
    /// to charge them (docs/programs.md, "How a relief batch takes the ledger").
    /// Returns the amount granted, or nil, with nothing written, when the batch
    /// must do its work under the lock instead:
    ///
    /// - the ledger no longer covers the grants: another writer spent meanwhile,
    ///   and the CHECK on `spent` refused the charge;
    /// - another run of the cycle, committed before this batch took the lock,
    ///   served one of its members otherwise than its statement saw
    ///   (``GrantQueries/overtaken(_:)``);
    /// - the batch and another run's batch waited for each other (a deadlock).
    ///
    /// Batches of one run never share a member, so only a second run of the
    /// cycle can make either of the last two happen. The check after the lock
    /// sees those runs' commits because a batch's fenced commit is READ
    /// COMMITTED: each statement reads what committed before it began.
    private func grantBeforeLocking(
        _ batch: RunBatch, season: ReliefSeason, remaining: Decimal, on transaction: PostgresConnection
    ) async throws -> Decimal? {
        let run = batch.run
        try await transaction.query("SAVEPOINT grant_before_locking")
        do {
            let (_, amount) = try await MemberKeyInsert.insert(on: transaction) {
                GrantQueries.grantBatch(batch, season: season, remaining: remaining, mayGrant: true, skippingTaken: $0)
            }.single((Int, Decimal).self)
            // The trigger took the lock if the batch granted anyone; if not, this takes it.
            try await transaction.query(BudgetLedgerQueries.lock(campaignID: run.campaignID, cycle: run.cycle, toGrant: true))
            if try await transaction.query(GrantQueries.overtaken(batch)).single(Bool.self) {
                try await transaction.query("ROLLBACK TO SAVEPOINT grant_before_locking")
                return nil
            }
            try await transaction.query("RELEASE SAVEPOINT grant_before_locking")
            return amount
        } catch let error as PostgresError where error.isCheckViolation || error.isTransient {
            try await transaction.query("ROLLBACK TO SAVEPOINT grant_before_locking")
            return nil
        }
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
