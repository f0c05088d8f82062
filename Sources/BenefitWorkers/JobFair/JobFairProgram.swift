import BenefitScheduler
import Foundation
import PostgresClient

/// `job-fair` (春送岗位): members looking for work invited to the job fairs of
/// their district, each fair with a date and a capacity, in priority order.
///
/// ```yaml
/// program: job-fair
/// parameters:
///   employment: [migrant, gig]
///   rankBy: [hardship, frontline]
///   seed: 2027
///   fairs:
///     - { name: 城东区春风行动专场招聘会, district: 城东区, date: 2027-02-24, capacity: 300 }
/// ```
///
/// A member's district is their org unit's in the register `benefit.org_unit`
/// (`benefit members units`).
///
/// **How a run gives places.** Recuperation's placement, by district. Planning
/// (``prepare(_:on:)``) opens the cycle's fairs in `benefit.job_fair` (or finds
/// them open), locks them in position order, and counts the run's invited
/// members per district. The population ranks members by district first (the
/// district whose first fair comes first in the file, then the next; members
/// with no fair in their district, or no district, last), then by `rankBy`, so
/// each district's ranks are one contiguous range. ``PlacementPlan/plan(groups:)``
/// plans each district's range into that district's fairs, in file order, each
/// taking the next ranks, as many as it has free places; the plan goes to
/// `benefit.job_fair_plan` and the fairs' `places_taken` in the planning job's
/// fenced transaction. Each batch (``execute(_:on:)``) places its members in the
/// seats the plan fixes for their ranks and waitlists the others, saying why.
/// So, as for recuperation:
/// - the placement is that of placing each district's members one by one in rank
///   order, each into the first fair of their district with a free place, whatever
///   the number of workers and whatever crashed;
/// - no fair is ever over capacity and no member is placed twice per campaign and
///   cycle, whoever writes (the place table's CHECK, unique and primary keys);
/// - a second run of the cycle ranks only members no run placed or waitlisted,
///   into the places left.
public struct JobFairProgram: BenefitProgram {
    /// The program's name in campaign files.
    public static let name = "job-fair"
    public let program = Self.name
    /// What the cycle's first run opens: the cycle's fairs (`benefit.open_job_fairs`).
    public let fixedPerCycle = ["fairs"]

    public init() {}

    public func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.jobFairParameters(parameters)
    }

    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        let scope = try Self.scope(of: run)
        try await transaction.query(FairQueries.open(runID: run.runID))
        let fairs = try await transaction.query(FairQueries.lockToPlan(campaignID: run.campaignID, cycle: run.cycle))
            .decode((Int, String, Int, Int).self)
        let counts = try await transaction.query(FairRankingQueries.countByDistrict(scope)).decode((Int, Int).self)
        let groups = counts.map { firstPosition, members in
            let district = fairs.first { $0.0 == firstPosition }?.1
            return PlacementPlan.Group(
                members: members,
                sessions: fairs.filter { $0.1 == district }.map { PlacementPlan.Session(position: $0.0, capacity: $0.2, placesTaken: $0.3) })
        }
        let plan = PlacementPlan.plan(groups: groups)
        if !plan.shares.isEmpty {
            try await transaction.query(FairQueries.record(run, plan))
        }
    }

    public func population(_ run: RunContext) throws -> PostgresQuery {
        FairRankingQueries.population(try Self.scope(of: run))
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        try await MemberKeyInsert.insert(on: transaction) { FairPlaceQueries.placeBatch(batch, skippingTaken: $0) }
        return BatchOutcome(members: batch.memberIDs.count)
    }

    /// The run's parameters, read as they were validated (see ``CampaignValueReader/readStored(_:campaign:program:_:)``).
    static func parameters(of run: RunContext) throws -> JobFairParameters {
        try CampaignValueReader.readStored(run.parameters, campaign: run.campaign, program: name) { $0.jobFairParameters($1) }
    }

    static func scope(of run: RunContext) throws -> FairRankingQueries.Scope {
        FairRankingQueries.Scope(campaignID: run.campaignID, cycle: run.cycle, referenceDate: run.fireDate, parameters: try parameters(of: run))
    }
}
