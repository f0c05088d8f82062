import ArgumentParser
import BenefitCore
import BenefitTools
import BenefitWorkers
import Foundation
import PostgresClient

/// `aid fund deposit`, `aid fund show` and `aid report`: the money side of hardship aid.
extension Aid {
    struct Fund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deposit donations into a fund; show the funds' balances.",
            subcommands: [Deposit.self, Show.self])

        struct Deposit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Credit a fund with a donation (opening the fund on its first deposit).",
                discussion: """
                    Awards the fund could not cover wait on the waitlist; the campaign's next
                    run pays them, in approval order, once the balance covers them.

                    Example: benefit aid fund deposit 200000 --fund mutual-aid --source "2026年度职工爱心捐款"

                    \(RequiredRole.operator)
                    """)

            @OptionGroup var connection: ConnectionOptions

            @Argument(help: "Yuan deposited, at most 2 decimals.", transform: AidOptionValues.amount)
            var amount: Decimal

            @Option(help: "The fund's name, as the campaign's parameters.fund names it.")
            var fund: String

            @Option(help: "Where the money came from (a donation drive, a grant), for the record.")
            var source: String

            func validate() throws {
                if let problem = StorableText.nonBlankProblem(fund, maximumLength: 100) { throw ValidationError("--fund: \(problem)") }
                if let problem = StorableText.nonBlankProblem(source, maximumLength: 200) { throw ValidationError("--source: \(problem)") }
            }

            func run() async throws {
                let (pool, _) = try await connection.pool(label: "benefit.aid")
                let balance = try await AidCommandFailure.worded {
                    try await AidFund.deposit(amount, into: fund, source: source, by: OperatorIdentity.current, on: pool)
                }
                print("fund \(fund): \(amount) yuan deposited; balance \(balance) yuan")
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Every fund: deposited, paid out, balance.",
                discussion: Aid.readerRole)

            @OptionGroup var connection: ConnectionOptions

            @Flag(help: "Print JSON instead of a table.")
            var json = false

            func run() async throws {
                let (pool, _) = try await connection.pool(label: "benefit.aid")
                let funds = try await AidFund.balances(on: pool)
                if json { return print(try TextTable.json(funds)) }
                guard !funds.isEmpty else { return print("no fund yet: benefit aid fund deposit AMOUNT --fund NAME --source TEXT opens one") }
                print(TextTable.render(
                    header: ["FUND", "DEPOSITED", "PAID", "BALANCE", "UPDATED"],
                    rows: funds.map { [$0.fund, "\($0.deposited)", "\($0.paid)", "\($0.balance)", TextTable.instant($0.updatedAt)] }))
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "People helped and money paid in a year: by category, in service or retired, by org unit.",
            discussion: """
                A payment counts in the year it was paid (Asia/Shanghai). The same figures
                as the queries in docs/sql.md, Hardship aid.

                \(Aid.readerRole)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(parsing: .unconditional, help: "The year.", transform: OptionValues.wholeNumber(2000...2100))
        var year: Int

        @Flag(help: "Print JSON instead of tables.")
        var json = false

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.aid")
            let report = try await AidReport.read(year: year, on: pool)
            if json { return print(try TextTable.json(report)) }
            print("hardship aid paid in \(year): \(report.total.people) people, \(report.total.payments) payments, \(report.total.amount) yuan")
            for (title, lines) in [("CATEGORY", report.byCategory), ("EMPLOYMENT", report.byService), ("ORG UNIT", report.byOrgUnit)]
            where !lines.isEmpty {
                print("")
                print(TextTable.render(
                    header: [title, "PEOPLE", "PAYMENTS", "YUAN"],
                    rows: lines.map { [$0.group, String($0.people), String($0.payments), "\($0.amount)"] }))
            }
        }
    }
}
