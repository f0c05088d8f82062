import BenefitScheduler
import Foundation
import PostgresClient

/// `recuperation` (疗休养): places for eligible members in sessions at
/// recuperation sites, each session with a capacity, given in rank order.
///
/// ```yaml
/// program: recuperation
/// parameters:
///   employment: [staff, migrant]
///   minServiceYears: 3
///   notWithinYears: 5
///   sites:
///     - name: 沙家浜
///       sessions:
///         - { start: 2027-04-06, days: 5, capacity: 40 }
///   rankBy: [frontline, modelWorker, yearsSinceLast, serviceYears]
///   seed: 2027
/// ```
///
/// **How a run gives places.** Planning (``prepare(_:on:)``) opens the cycle's
/// sessions in `benefit.recuperation_session` (or finds them open: every run of
/// a cycle shares them) and locks them in position order; once the population
/// is ranked and cut into batches, ``populationPlanned(_:members:on:)`` plans
/// its members (``PlacementPlan``): walking the sessions in
/// file order, each takes the next ranks, as many as it has free places. The
/// plan goes to `benefit.recuperation_plan` and its places to the sessions'
/// `places_taken`, in the planning job's fenced transaction. `prepare` ranks
/// the population in SQL (``RankingQueries``), on every core. Each batch
/// (``execute(_:on:)``) then places its members in the seats the plan fixes for
/// their ranks and waitlists the ranks past the last place. So:
/// - the placement is that of placing members one by one in rank order, each
///   into the first session with a free place, whatever the number of workers
///   and whatever crashed: ranks are fixed when the run plans, each rank's seat
///   is a function of the plan alone, and a batch's effects commit once, in its
///   fenced transaction;
/// - no session is ever over capacity, whoever writes: an allocation's seat is
///   between 1 and its session's capacity (a CHECK, the capacity pinned by a
///   foreign key) and held once (a unique key);
/// - a member is placed or waitlisted at most once per campaign and cycle (the
///   primary keys), and a second run of the cycle ranks only members the first
///   did not reach, into the places left.
public struct RecuperationProgram: BenefitProgram {
    /// The program's name in campaign files.
    public static let name = "recuperation"
    public let program = Self.name
    /// What the cycle's first run opens: the cycle's sessions (`benefit.open_recuperation_sessions`).
    public let fixedPerCycle = ["sites"]
    /// What `campaign topup` adds to a cycle: a session (``SessionTopUp``).
    public let toppedUpPerCycle = ["sites"]

    public init() {}

    public func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.recuperationParameters(parameters)
    }

    /// Opens the cycle's sessions and locks them before the population is read,
    /// so a second planner of the cycle waits here (and then starts over on the
    /// first one's places) before ranking anyone. Then ranks the population
    /// (``RankingQueries/rank(_:)``), which ``population(_:)`` hands to the fan-out.
    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        try await transaction.query(SessionQueries.open(runID: run.runID))
        try await transaction.query(SessionQueries.lockToPlan(campaignID: run.campaignID, cycle: run.cycle))
        let served = try await transaction.query(ProgramQueries.cycleServed(campaignID: run.campaignID, cycle: run.cycle)).single(Bool.self)
        try await transaction.query(RankingQueries.rank(try Self.scope(of: run, cycleServed: served)))
    }

    /// Plans the ranked members into the sessions' free places, from the count
    /// the engine's fan-out just made (the roster is not read again).
    public func populationPlanned(_ run: RunContext, members: Int, on transaction: PostgresConnection) async throws {
        let sessions = try await transaction.query(SessionQueries.lockToPlan(campaignID: run.campaignID, cycle: run.cycle))
            .decode((Int, Int, Int).self)
            .map { PlacementPlan.Session(position: $0.0, capacity: $0.1, placesTaken: $0.2) }
        let plan = PlacementPlan.plan(members: members, sessions: sessions)
        if !plan.shares.isEmpty {
            try await transaction.query(PlacementQueries.record(run, plan))
        }
    }

    /// The members ``prepare(_:on:)`` ranked.
    public func population(_ run: RunContext) throws -> PostgresQuery {
        RankingQueries.ranked
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        try await MemberKeyInsert.insert(on: transaction) { AllocationQueries.placeBatch(batch, skippingTaken: $0) }
        return BatchOutcome(members: batch.memberIDs.count)
    }

    /// The run's parameters, read as they were validated (see ``CampaignValueReader/readStored(_:campaign:program:_:)``).
    static func parameters(of run: RunContext) throws -> RecuperationParameters {
        try CampaignValueReader.readStored(run.parameters, campaign: run.campaign, program: name) { $0.recuperationParameters($1) }
    }

    static func scope(of run: RunContext, cycleServed: Bool) throws -> RankingQueries.Scope {
        RankingQueries.Scope(
            campaignID: run.campaignID, cycle: run.cycle, year: run.fireYear, referenceDate: run.fireDate, parameters: try parameters(of: run),
            cycleServed: cycleServed)
    }
}
