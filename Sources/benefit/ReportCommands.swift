import ArgumentParser
import BenefitCore
import BenefitWorkers
import Foundation

extension CampaignEvaluation.Format: ExpressibleByArgument {}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports on what the campaigns did.",
        subcommands: [CampaignReport.self])

    struct CampaignReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "campaign",
            abstract: "Evaluate a campaign's cycle (效果评估): coverage, money, places, its runs' health, the cycle before.",
            discussion: """
                Coverage (eligible, served, waitlisted and why) in all and by org unit,
                employment, gender and age band on the cycle's reference date; money by tier
                or category against the budget; places and capacity used; each run's planning,
                batches, retries, expired leases and fenced commits; the change from the
                campaign's previous cycle. Members who had left on or before the cycle's
                reference date are not eligible. Every figure is a query of docs/sql.md,
                Evaluating a campaign; the command only reads, so --read-url may name a replica.

                Example: benefit report campaign winter-warmth --cycle 2027 --format html --out winter-2027.html

                \(RequiredRole.viewReader)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Argument(help: "The campaign's name.")
        var campaign: String

        @Option(help: "The cycle to evaluate (default: the campaign's latest cycle that has a run).")
        var cycle: String?

        @Option(help: "text (aligned tables), csv (one file for spreadsheets) or html (one self-contained page).")
        var format: CampaignEvaluation.Format = .text

        @Option(help: ArgumentHelp("Write to this new file (mode 0600) instead of standard output; an existing file is refused.", valueName: "file"))
        var out: String?

        func validate() throws {
            if let out, out.isEmpty { throw ValidationError("--out: the file name is empty") }
            if let cycle, cycle.isEmpty { throw ValidationError("--cycle: the cycle is empty") }
        }

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.report", connection: connection)
            let evaluation: CampaignEvaluation
            do {
                evaluation = try await CampaignEvaluation.read(campaign: campaign, cycle: cycle, on: pool)
            } catch let problem as CampaignEvaluation.Problem {
                throw CommandFailure(PrintableText.escaping(problem.description))
            }
            let report = evaluation.rendered(as: format)
            guard let out else { return print(report, terminator: "") }
            do {
                try FileGuard.create(out, mode: 0o600, contents: Data(report.utf8))
            } catch {
                throw CommandFailure(PrintableText.escaping("\(error)"))
            }
            printEscaped("wrote the \(format.rawValue) evaluation of \(campaign), cycle \(evaluation.cycle), to \(out)")
        }
    }
}
