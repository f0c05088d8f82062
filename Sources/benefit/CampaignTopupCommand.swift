import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitTools
import BenefitWorkers
import Foundation

extension Campaign {
    struct TopupCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "topup",
            abstract: "Give a relief cycle more money (or less) after its first run fixed its budget.",
            discussion: """
                A seasonal-relief cycle's budget is fixed by its first run, from the campaign
                file of that run: applying a new budget later changes nothing for the cycle.
                topup changes that cycle's ledger: --amount is added (a negative amount
                takes away, never below what the cycle's grants have spent). The cycle's
                next run then grants its waitlisted members in rank order, as far as the
                money goes, each at most once: trigger one (benefit campaign trigger NAME)
                if no scheduled run of the cycle is coming. Recorded in the audit trail
                (campaign.topup) with the cycle, the amount and the budgets.

                Example: benefit campaign topup winter-warmth --cycle 2027 --amount 200000 --reason "市总工会追加拨款"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Option(help: ArgumentHelp("The cycle whose budget changes, as benefit.budgets names it (2027).", valueName: "cycle"))
        var cycle: String

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Yuan to add, with at most two decimals; negative to take away.", valueName: "yuan"),
            transform: OptionValues.yuanChange)
        var amount: Decimal

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String

        func validate() throws {
            if let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            let result: BudgetTopUp.Result
            do {
                result = try await BudgetTopUp.run(campaign: name, cycle: cycle, amount: amount, reason: reason, by: OperatorIdentity.current, on: pool)
            } catch let refusal as BudgetTopUp.Refusal {
                throw CommandFailure(refusal.description)
            }
            let free = result.budgetAfter - result.spent
            print("\(name), cycle \(cycle): budget \(result.budgetBefore) → \(result.budgetAfter) (spent \(result.spent), \(free) free)")
            if result.waiting > 0 {
                print("\(result.waiting) member\(result.waiting == 1 ? " is" : "s are") waitlisted in the cycle: its next run grants them in rank order as far as the money goes (benefit campaign trigger \(name))")
            }
        }
    }
}
