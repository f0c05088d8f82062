import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitTools
import BenefitWorkers
import Foundation
import PostgresClient

extension Campaign {
    struct TopupCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "topup",
            abstract: "Give a cycle more money or places after its first run fixed them.",
            discussion: """
                A cycle's budget (seasonal relief) and sessions (recuperation) are fixed by
                its first run, from the campaign file of that run: applying a new file later
                changes nothing for the cycle. topup changes the cycle itself:

                --amount is added to a relief cycle's ledger (a negative amount takes away,
                never below what the cycle's grants have spent).

                --site, --start, --days and --capacity add a recuperation session to the
                cycle, after its others.

                The cycle's next run then serves its waitlisted members in rank order, as
                far as the money or the places go, each at most once: trigger one
                (benefit campaign trigger NAME) if no scheduled run of the cycle is coming.
                Recorded in the audit trail (campaign.topup) with the cycle and the change.

                Examples:
                  benefit campaign topup winter-warmth --cycle 2027 --amount 200000 --reason "市总工会追加拨款"
                  benefit campaign topup spring-recuperation --cycle 2027 --site 尚湖 --start 2027-05-18 --days 5 --capacity 30 --reason "基地追加一期"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Option(help: ArgumentHelp("The cycle whose budget changes, as benefit.budgets names it (2027).", valueName: "cycle"))
        var cycle: String

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Yuan to add to a relief cycle, with at most two decimals; negative to take away.", valueName: "yuan"),
            transform: OptionValues.yuanChange)
        var amount: Decimal?

        @Option(help: ArgumentHelp("The site of a recuperation session to add.", valueName: "name"))
        var site: String?

        @Option(help: ArgumentHelp("The added session's first day, YYYY-MM-DD.", valueName: "date"), transform: OptionValues.date)
        var start: CalendarDate?

        @Option(
            parsing: .unconditional, help: ArgumentHelp("How many days the added session lasts, 1 to 60.", valueName: "days"),
            transform: OptionValues.wholeNumber(1...60))
        var days: Int?

        @Option(
            parsing: .unconditional, help: ArgumentHelp("How many members the added session takes, 1 to 100000.", valueName: "places"),
            transform: OptionValues.wholeNumber(1...100_000))
        var capacity: Int?

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String

        /// The session the options describe, when --site is given.
        private var session: SessionTopUp.Session? {
            guard let site, let start, let days, let capacity else { return nil }
            return SessionTopUp.Session(site: site, start: start, days: days, capacity: capacity)
        }

        func validate() throws {
            if let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
            let sessionOptions = [site == nil, start == nil, days == nil, capacity == nil]
            switch (amount, sessionOptions.allSatisfy { $0 }) {
            case (nil, true):
                throw ValidationError("say what to add: --amount for money, or --site, --start, --days and --capacity for a session")
            case (.some, false):
                throw ValidationError("--amount adds money and --site a session: give one of them")
            case (nil, false) where sessionOptions.contains(true):
                throw ValidationError("a session needs all of --site, --start, --days and --capacity")
            default: break
            }
            if let site, !(1...200).contains(site.count) {
                throw ValidationError("--site: a site's name has 1 to 200 characters")
            }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            do {
                if let session {
                    try await addSession(session, on: pool)
                } else if let amount {
                    try await addMoney(amount, on: pool)
                }
            } catch let refusal as BudgetTopUp.Refusal {
                throw CommandFailure(refusal.description)
            }
        }

        private func addMoney(_ amount: Decimal, on pool: PostgresPool) async throws {
            let result = try await BudgetTopUp.run(campaign: name, cycle: cycle, amount: amount, reason: reason, by: OperatorIdentity.current, on: pool)
            let free = result.budgetAfter - result.spent
            print("\(name), cycle \(cycle): budget \(result.budgetBefore) → \(result.budgetAfter) (spent \(result.spent), \(free) free)")
            printWaiting(result.waiting, goes: "as far as the money goes")
        }

        private func addSession(_ session: SessionTopUp.Session, on pool: PostgresPool) async throws {
            let result = try await SessionTopUp.run(
                campaign: name, cycle: cycle, session: session, reason: reason, by: OperatorIdentity.current, on: pool)
            print("""
                \(name), cycle \(cycle): session \(result.position) added at \(session.site) from \(session.start), \(session.days) days, \
                \(session.capacity) places (now \(result.places) places in \(result.sessions) sessions, \(result.places - result.placesTaken) free)
                """)
            printWaiting(result.waiting, goes: "into the free places")
        }

        private func printWaiting(_ waiting: Int, goes: String) {
            guard waiting > 0 else { return }
            print("\(waiting) member\(waiting == 1 ? " is" : "s are") waitlisted in the cycle: its next run serves them in rank order \(goes) (benefit campaign trigger \(name))")
        }
    }
}
