import Foundation
import PostgresClient

/// Hardship-aid applications: recorded for members, reviewed, listed.
///
/// Every rule is the database's (migrations/0022_hardship_aid.sql): the
/// categories and caps come from the campaign's current revision, the
/// reviewer is the database login, and each action's audit row (`aid.apply`,
/// `aid.import`, `aid.review`) is written by the function that acts, in its
/// transaction. These calls only shape the values and word the refusals.
public enum AidApplications {
    /// The campaign applications go to when none is named.
    public static let defaultCampaign = "hardship-aid"

    /// Records one application and returns its number.
    ///
    /// - Throws: ``AidError`` (`.refused`: a category the campaign lacks, a member
    ///   not on the roster or not qualifying; `.notFound`: no such campaign).
    public static func record(
        _ draft: AidApplicationDraft, campaign: String = defaultCampaign, by operatorName: String, on pool: PostgresPool
    ) async throws -> Int {
        do {
            let ids = try await refusalsWorded {
                try await pool.transaction { connection in
                    let ids: [Int] = try await connection.query(
                        AidApplicationQueries.record(campaign: campaign, drafts: [draft], by: operatorName, source: nil)).single([Int].self)
                    return ids
                }
            }
            return ids[0]
        } catch let error as AidError {
            // One application: its row number says nothing.
            guard error.message.hasPrefix("row 1: ") else { throw error }
            throw AidError(error.code, String(error.message.dropFirst("row 1: ".count)))
        }
    }

    /// Records `drafts` in one transaction, all or none, with one `aid.import` audit row naming `source`.
    ///
    /// - Throws: ``AidError``; a refusal of one row says `row N: …` (1-based).
    public static func record(
        _ drafts: [AidApplicationDraft], from source: String, campaign: String = defaultCampaign, by operatorName: String,
        on connection: PostgresConnection
    ) async throws -> [Int] {
        try await refusalsWorded {
            let ids: [Int] = try await connection.query(
                AidApplicationQueries.record(campaign: campaign, drafts: drafts, by: operatorName, source: source)).single([Int].self)
            return ids
        }
    }

    /// Reviews application `id` as the pool's login and returns where it stands after:
    /// ``AidStatus/secondReview`` when this was the first of two approvals.
    ///
    /// - Throws: ``AidError`` (`.refused` with the database's reason: over a cap,
    ///   the recorder reviewing, the same reviewer twice, already decided;
    ///   `.notFound`; `.invalid`: a blank reason).
    public static func review(
        _ id: Int, _ decision: AidDecision, reason: String, by operatorName: String, on pool: PostgresPool
    ) async throws -> AidStatus {
        try await pool.withConnection { try await review(id, decision, reason: reason, by: operatorName, on: $0) }
    }

    /// The same review as `connection`'s session user, in a transaction of its own.
    public static func review(
        _ id: Int, _ decision: AidDecision, reason: String, by operatorName: String, on connection: PostgresConnection
    ) async throws -> AidStatus {
        let state = try await refusalsWorded {
            try await connection.transaction { transaction in
                let state: String = try await transaction.query(AidApplicationQueries.review(id, decision, reason: reason, by: operatorName))
                    .single(String.self)
                return state
            }
        }
        switch state {
        case "pending": return .secondReview
        case "approved": return .approved
        case "rejected": return .rejected
        default: return .returned
        }
    }

    /// Applications with `status` (all when nil), oldest first, at most `limit`.
    public static func list(status: AidStatus? = nil, limit: Int = 1_000, on pool: PostgresPool) async throws -> [AidApplicationRow] {
        try await pool.query(AidApplicationQueries.list(status: status, limit: limit))
            .decode((Int, String, String, String, Decimal, String, String, Date, String?, String?, String?, Decimal?, Date?).self)
            .map { row in
                AidApplicationRow(
                    id: row.0, memberID: row.1, campaign: row.2, category: row.3, requested: row.4,
                    status: AidStatus(rawValue: row.5) ?? .pending, recordedBy: row.6, recordedAt: row.7, firstReviewer: row.8,
                    decidedBy: row.9, reason: row.10, approvedAmount: row.11, paidAt: row.12)
            }
    }

    /// Runs `body`, turning the database's refusals under the program's rules into ``AidError``s with its message.
    static func refusalsWorded<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as PostgresError {
            switch error.sqlState {
            case "23514", "42501", "23505": throw AidError(.refused, error.message)
            case "P0002": throw AidError(.notFound, error.message)
            case "22023", "22P02", "23502", "22001": throw AidError(.invalid, error.message)
            default: throw error
            }
        }
    }
}
