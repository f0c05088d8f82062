import ArgumentParser
import BenefitCore
import BenefitTools
import BenefitWorkers
import Foundation

extension Members {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one member's file (一户一档): the roster row, the status, and everything done for them.",
            discussion: """
                The history is benefit.member_history for the member, oldest first: grants,
                checkup appointments, recuperation places, waitlist entries, and joining and
                leaving the union. Amounts are in yuan. --json prints the same as one object:
                { "member": {...}, "entries": [...] }.

                Example: benefit members show M0012345

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Argument(help: "The member's id (membership number).")
        var memberID: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.members", connection: connection)
            guard let file = try await MemberFile.read(memberID, on: pool) else {
                throw CommandFailure("no member \(PrintableText.quoted(memberID, limit: 40)) on the roster")
            }
            if json { return print(try TextTable.json(file)) }
            let member = file.member
            printEscaped("member \(member.memberID)  \(member.name)  \(member.orgUnit)")
            printEscaped("born \(member.birthDate), \(member.gender), \(member.employment), hardship tier \(member.hardshipTier.map(String.init) ?? "none")")
            if let left = member.left {
                printEscaped("status left on \(left.on) (\(left.reason))\(left.note.map { ": " + $0 } ?? "")")
            } else {
                print("status active")
            }
            guard !file.entries.isEmpty else { return print("\nnothing on record") }
            let granted = file.entries.compactMap(\.amount).reduce(0, +)
            print("\n\(file.entries.count) entr\(file.entries.count == 1 ? "y" : "ies"), \(NumberText.amount(granted)) yuan granted:")
            print(TextTable.render(
                header: ["at", "kind", "campaign", "cycle", "run", "amount", "detail"],
                rows: file.entries.map { entry in
                    [
                        TextTable.instant(entry.at), entry.kind.rawValue, entry.campaign ?? "", entry.cycle ?? "",
                        entry.runID.map(String.init) ?? "", entry.amount.map(NumberText.amount) ?? "", TextTable.cell(entry.detail, limit: 100),
                    ]
                }))
        }
    }
}
