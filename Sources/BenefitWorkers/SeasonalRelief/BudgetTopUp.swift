import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// `benefit campaign topup`: more (or less) money for a relief cycle whose
/// budget its first run already fixed (migrations/0023_budget_topup.sql).
///
/// The ledger row changes under its row lock, so a batch granting at the same
/// moment either commits first (and the top-up adds to what it left) or reads
/// the new budget; the ledger's CHECK refuses a budget below what is spent. The
/// cycle's waitlist is paid by its next run, in rank order: trigger one.
public enum BudgetTopUp {
    /// The ledger before and after.
    public struct Result: Sendable, Equatable {
        public let budgetBefore: Decimal
        public let budgetAfter: Decimal
        public let spent: Decimal
        /// Members of the cycle still waitlisted (not served by a later run).
        public let waiting: Int
    }

    /// Refused, with nothing written.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Changes the cycle's budget by `amount` and records `campaign.topup` (with the
    /// cycle, the amount and the budgets) in the same transaction.
    public static func run(
        campaign: String, cycle: String, amount: Decimal, reason: String, by operatorName: String, on pool: PostgresPool
    ) async throws -> Result {
        let entry = try AuditEntry(.campaignTopup, target: campaign, reason: reason, by: operatorName)
        do {
            return try await pool.transaction { transaction in
                let (before, after, spent) = try await transaction.query(
                    "SELECT budget_before, budget_after, spent FROM benefit.topup_relief_budget(\(campaign), \(cycle), \(amount)::numeric)"
                ).single((Decimal, Decimal, Decimal).self)
                let waiting = try await transaction.query("""
                    SELECT count(*) FROM benefit.waitlist WHERE campaign = \(campaign) AND cycle = \(cycle) AND served_at IS NULL
                    """).single(Int.self)
                try await AuditTrail.record(entry.adding([
                    "cycle": .text(cycle), "amount": .text("\(amount)"),
                    "budget_before": .text("\(before)"), "budget_after": .text("\(after)"),
                ]), on: transaction)
                return Result(budgetBefore: before, budgetAfter: after, spent: spent, waiting: waiting)
            }
        } catch let error as PostgresError where error.sqlState == "P0002" || error.sqlState == "22023" {
            throw Refusal(description: error.message)
        } catch let error as PostgresError where error.sqlState == "23514" {
            throw Refusal(description: "campaign \(campaign), cycle \(cycle): the budget may not go below what its grants have spent")
        }
    }
}
