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
        let (ledger, waiting) = try await CycleTopUp.run(
            campaign: campaign, cycle: cycle, reason: reason, by: operatorName, on: pool,
            refusal: { $0 == "23514" ? "campaign \(campaign), cycle \(cycle): the budget may not go below what its grants have spent" : nil }
        ) { transaction in
            let (before, after, spent) = try await transaction.query(
                "SELECT budget_before, budget_after, spent FROM benefit.topup_relief_budget(\(campaign), \(cycle), \(amount)::numeric)"
            ).single((Decimal, Decimal, Decimal).self)
            let details: [String: AuditDetail] = [
                "amount": .text("\(amount)"), "budget_before": .text("\(before)"), "budget_after": .text("\(after)"),
            ]
            return ((before, after, spent), details)
        }
        return Result(budgetBefore: ledger.0, budgetAfter: ledger.1, spent: ledger.2, waiting: waiting)
    }
}
