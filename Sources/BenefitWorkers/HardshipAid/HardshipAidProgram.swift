import BenefitQueue
import BenefitScheduler
import Foundation
import PostgresClient

/// `hardship-aid` (困难职工帮扶 / 爱心互助基金): pays approved awards from a fund.
///
/// ```yaml
/// program: hardship-aid
/// parameters:
///   fund: mutual-aid
///   employment: [staff, retired]
///   categories: { illness: 20000, disaster: 30000, education: 10000 }
///   yearlyCap: 30000
///   dualReviewAbove: 5000
/// ```
///
/// Applications are recorded and reviewed by operators (``AidApplications``),
/// money comes in by deposits (``AidFund``); a run of the campaign pays what
/// was approved and is still unpaid, in approval order:
/// - planning (``prepare(_:on:)``) walks the unpaid awards in approval order
///   against the fund's balance and records the last one it covers
///   (`benefit.aid_allotment`); the population is every unpaid award, ranked by
///   approval order;
/// - each batch locks the fund's row, pays its covered awards whole and
///   waitlists the others with the reason, in its fenced commit; a waitlisted
///   award is still unpaid, so a later run pays it once money has come in;
/// - an award is paid at most once (the payment's primary key is the
///   application) and the fund never goes below zero (its CHECK, kept by the
///   payment trigger in the statement that pays): both hold for any login and
///   any concurrency, whatever was killed on the way.
public struct HardshipAidProgram: BenefitProgram {
    /// The program's name in campaign files.
    public static let name = "hardship-aid"
    public let program = Self.name

    public init() {}

    public func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.aidParameters(parameters)
    }

    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        let parameters = try Self.parameters(of: run)
        try await transaction.query(DisbursementQueries.plan(runID: run.runID, campaignID: run.campaignID, referenceDate: run.fireDate, fund: parameters.fund))
    }

    public func population(_ run: RunContext) throws -> PostgresQuery {
        DisbursementQueries.population(campaignID: run.campaignID, referenceDate: run.fireDate)
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let parameters = try Self.parameters(of: batch.run)
        // The lock comes before the paying statement, whose snapshot then sees
        // every payment committed before this batch took the fund.
        // NULL: the fund has had no deposit yet, and holds nothing.
        let locked: Decimal? = try await transaction.query(DisbursementQueries.lockFund(parameters.fund)).single(Decimal?.self)
        let balance = locked ?? 0
        let (_, amount) = try await transaction.query(
            DisbursementQueries.payBatch(batch, fund: parameters.fund, balance: balance)).single((Int, Decimal).self)
        return BatchOutcome(members: batch.memberIDs.count, amount: amount)
    }

    /// The run's parameters, read as they were validated.
    static func parameters(of run: RunContext) throws -> AidParameters {
        try CampaignValueReader.readStored(run.parameters, campaign: run.campaign, program: name) { $0.aidParameters($1) }
    }
}
