import ArgumentParser
import BenefitCore
import BenefitTools
import BenefitWorkers
import Foundation
import PostgresClient

struct Aid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hardship aid (困难职工帮扶): record and review applications, fund them, report what was paid.",
        discussion: """
            The round: an operator records applications for members (apply, import);
            another login reviews each one (review); donations go into a fund (fund
            deposit); the hardship-aid campaign's runs pay approved awards from the fund
            in approval order, each once and in full, and waitlist what the fund cannot
            cover until money comes in (benefit worker runs them; campaign trigger fires
            one by hand).

            The campaign file's parameters hold the fund, the categories with their cap
            per case, the yearly cap per member, the employment states that qualify and
            the amount above which an approval needs two reviewers (docs/programs.md,
            hardship-aid). The database holds every rule, for hand-written SQL too, and
            audits every action (aid.apply, aid.import, aid.review, aid.deposit).
            """,
        subcommands: [Apply.self, Import.self, Review.self, List.self, Fund.self, Report.self])

    /// Options naming the campaign applications belong to.
    struct CampaignOption: ParsableArguments {
        @Option(help: "The hardship-aid campaign whose categories and caps apply.")
        var campaign: String = AidApplications.defaultCampaign
    }

    static let readerRole = "Database role: benefit_operator, benefit_worker, benefit_admin or the owner (docs/sql.md, Roles)."

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record one application for a member.",
            discussion: """
                The member must be on the roster in an employment state the campaign takes,
                and the category one of the campaign's. The application is pending until
                reviewed by another login than yours.

                Example: benefit aid apply --member M000042 --category illness --amount 8000 \\
                    --statement "住院治疗，自付费用高" --evidence 住院发票-2026-118.pdf --evidence 诊断证明.pdf

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var campaign: CampaignOption

        @Option(help: "The member's number (member_id on the roster).")
        var member: String

        @Option(help: "The case's category: one of the campaign's (illness, disaster, …).")
        var category: String

        @Option(help: "Yuan asked for, at most 2 decimals.", transform: AidOptionValues.amount)
        var amount: Decimal

        @Option(help: "A short statement of the case (at most 1,000 characters).")
        var statement: String

        @Option(help: ArgumentHelp("A piece of evidence: a file name or document number (repeat for more, at most 20).", valueName: "ref"))
        var evidence: [String] = []

        func validate() throws {
            _ = try AidOptionValues.draft(member: member, category: category, amount: amount, statement: statement, evidence: evidence)
        }

        func run() async throws {
            let draft = try AidOptionValues.draft(member: member, category: category, amount: amount, statement: statement, evidence: evidence)
            let (pool, _) = try await connection.pool(label: "benefit.aid")
            let id = try await AidCommandFailure.worded {
                try await AidApplications.record(draft, campaign: campaign.campaign, by: OperatorIdentity.current, on: pool)
            }
            print("application \(id) recorded for \(member): \(category), \(amount) yuan; pending review")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record applications from a CSV file, all in one transaction.",
            discussion: """
                The file starts with the header:

                \(AidApplicationFile.header)

                evidence lists references separated by ';' (may be empty). All or
                nothing: if any record is bad, or the database refuses one (a
                category the campaign lacks, a member not on the roster or not
                qualifying), the problems are listed as FILE:LINE: COLUMN: what is
                wrong, and nothing is written.

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var campaign: CampaignOption

        @Argument(help: "The applications file (CSV, UTF-8).")
        var file: String

        func run() async throws {
            let ids: [Int]
            do {
                // The file is checked before finding the database, which may mean starting the embedded one.
                _ = try AidApplicationFile.read(path: file)
                let (pool, _) = try await connection.pool(label: "benefit.aid")
                ids = try await AidCommandFailure.worded {
                    try await AidApplicationFile.importFile(path: file, campaign: campaign.campaign, by: OperatorIdentity.current, on: pool)
                }
            } catch let error as RosterError {
                printToStandardError(error.problemLines)
                throw CommandFailure(error.summary)
            }
            print("\(file): \(ids.count) application\(ids.count == 1 ? "" : "s") recorded (\(ids.first!)–\(ids.last!)); pending review")
        }
    }

    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve, reject or return an application, with the reason.",
            discussion: """
                You review as your database login: nobody reviews an application they
                recorded. An approval is held to the category's cap per case and the
                member's yearly cap. An approval above the campaign's dualReviewAbove is
                recorded as the first of two: a second, different login approving the same
                amount completes it.

                Examples:
                  benefit aid review 17 --approve --amount 8000 --reason "材料齐全，符合大病救助"
                  benefit aid review 18 --return --reason "缺少诊断证明"
                  benefit aid review 19 --reject --reason "不属于帮扶范围"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The application's number.", transform: OptionValues.wholeNumber(1...Int.max))
        var id: Int

        @Flag(help: "Approve --amount yuan.")
        var approve = false

        @Flag(help: "Reject it.")
        var reject = false

        @Flag(name: .customLong("return"), help: "Send it back to whoever recorded it (missing evidence, say).")
        var sendBack = false

        @Option(help: "The amount approved (with --approve), at most 2 decimals.", transform: AidOptionValues.amount)
        var amount: Decimal?

        @Option(help: "Why, for the record (required).")
        var reason: String

        var decision: AidDecision {
            if approve, let amount { return .approve(amount) }
            return reject ? .reject : .return
        }

        func validate() throws {
            guard [approve, reject, sendBack].filter({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --approve, --reject, --return")
            }
            if approve && amount == nil { throw ValidationError("--approve needs --amount") }
            if !approve && amount != nil { throw ValidationError("--amount goes with --approve only") }
            if let problem = StorableText.nonBlankProblem(reason, maximumLength: 500, blank: "empty; say why") {
                throw ValidationError("--reason: \(problem)")
            }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.aid")
            let status = try await AidCommandFailure.worded {
                try await AidApplications.review(id, decision, reason: reason, by: OperatorIdentity.current, on: pool)
            }
            switch status {
            case .secondReview: print("application \(id): first approval of \(amount!) yuan recorded; a second, different reviewer completes it")
            case .approved: print("application \(id): approved, \(amount!) yuan; a run of its campaign pays it")
            default: print("application \(id): \(status.rawValue)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Applications, oldest first, by status.",
            discussion: """
                Statuses: pending (not reviewed), second-review (approved once, waiting for
                a second reviewer), approved (not paid yet), paid, rejected, returned.

                \(Aid.readerRole)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Only applications in this status (default: all).")
        var state: AidStatus?

        @Option(parsing: .unconditional, help: "At most this many. (default: 1000)", transform: OptionValues.wholeNumber(1...1_000_000))
        var limit = 1_000

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.aid")
            let rows = try await AidApplications.list(status: state, limit: limit, on: pool)
            if json { return print(try TextTable.json(rows)) }
            guard !rows.isEmpty else { return print("no application\(state.map { " is \($0.rawValue)" } ?? " yet")") }
            print(TextTable.render(
                header: ["ID", "MEMBER", "CATEGORY", "REQUESTED", "STATUS", "RECORDED BY", "REVIEWED BY", "APPROVED", "REASON"],
                rows: rows.map { row in
                    [String(row.id), row.memberID, row.category, "\(row.requested)", row.status.rawValue, row.recordedBy,
                     [row.firstReviewer, row.decidedBy].compactMap { $0 }.joined(separator: ", "),
                     row.approvedAmount.map { "\($0)" } ?? "", TextTable.cell(row.reason, limit: 40)]
                }))
        }
    }
}

extension AidStatus: ExpressibleByArgument {}

/// How aid options read their values.
enum AidOptionValues {
    /// Positive yuan with at most two decimals.
    static let amount: @Sendable (String) throws -> Decimal = { text in
        guard let amount = AidAmount.parse(text) else {
            throw OptionValueError("not an amount; expected positive yuan with at most 2 decimals, such as 1200 or 800.50")
        }
        return amount
    }

    static func draft(member: String, category: String, amount: Decimal, statement: String, evidence: [String]) throws -> AidApplicationDraft {
        do {
            return try AidApplicationDraft(memberID: member, category: category, amount: amount, statement: statement, evidence: evidence)
        } catch {
            throw ValidationError("--\(error.message)")
        }
    }
}

/// The database's refusals of aid actions as one line and a failing exit.
enum AidCommandFailure {
    static func worded<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as AidError {
            throw CommandFailure(error.message)
        }
    }
}
