import BenefitAudit
import Foundation
import PostgresClient

/// What `benefit campaign topup` does for money (``BudgetTopUp``) and for places
/// (``SessionTopUp``) alike: one transaction that changes the cycle through a
/// function of the database, records `campaign.topup` with what changed, and
/// counts the members the cycle's next run may now serve.
enum CycleTopUp {
    /// Runs `change` in a transaction with the `campaign.topup` row (its details
    /// added to the cycle's) and the cycle's waitlist count; a refusal the
    /// database gives (`P0002`, `22023`, `23514`, `22003`) becomes ``BudgetTopUp/Refusal``
    /// with its message, or `refusal(sqlState)`'s words when that gives some.
    static func run<Change: Sendable>(
        campaign: String, cycle: String, reason: String, by operatorName: String, on pool: PostgresPool,
        refusal: @Sendable (String?) -> String? = { _ in nil },
        _ change: @Sendable (PostgresConnection) async throws -> (Change, [String: AuditDetail])
    ) async throws -> (change: Change, waiting: Int) {
        let entry = try AuditEntry(.campaignTopup, target: campaign, reason: reason, by: operatorName)
        do {
            return try await pool.transaction { transaction in
                let (result, details) = try await change(transaction)
                let waiting = try await transaction.query("""
                    SELECT count(*) FROM benefit.waitlist WHERE campaign = \(campaign) AND cycle = \(cycle) AND served_at IS NULL
                    """).single(Int.self)
                try await AuditTrail.record(entry.adding(details.merging(["cycle": .text(cycle)]) { $1 }), on: transaction)
                return (result, waiting)
            }
        } catch let error as PostgresError where ["P0002", "22023", "23514", "22003"].contains(error.sqlState) {
            throw BudgetTopUp.Refusal(description: refusal(error.sqlState) ?? error.message)
        }
    }
}
