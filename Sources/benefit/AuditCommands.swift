import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitTools
import Foundation

extension AuditAction: ExpressibleByArgument {}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the audit trail: who did what to which campaign, run, job, roster, member or console user, when and why.",
        discussion: "Administrators read the same rows in the view benefit.audit (docs/sql.md).",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List recorded operator actions, newest first.",
            discussion: """
                Every apply that changed a campaign, pause, resume, trigger, run cancel,
                job retry and cancel, roster import, member leave, and console user added,
                disabled or given a new password leaves one row, written with the action itself. LOGIN is the database login that acted (the database's
                word); OPERATOR is the user@host its command said it ran as.

                Example: benefit audit list --since 7d --target winter-warmth

                \(RequiredRole.auditReader)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Option(
            help: ArgumentHelp(
                "Only actions since then: a duration back from now (30m, 7d) or an instant with its offset (2026-12-01T00:00:00+08:00).",
                valueName: "duration-or-time"),
            transform: AuditOptionValues.since)
        var since: Date?

        @Option(help: "Only actions on this target: a campaign's name, a run's or job's id, a roster file, a member's id, a user's or queue's name; or with its type (run:12, job:812, user:wang.li, queue:relief, member:M0012345).")
        var target: String?

        @Option(help: ArgumentHelp("Only this action.", valueName: "action"))
        var action: AuditAction?

        @Option(parsing: .unconditional, help: "Show at most this many. (default: 100)", transform: OptionValues.wholeNumber(1...Int.max))
        var limit = 100

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.audit", connection: connection)
            let events = try await AuditTrail.events(AuditFilter(since: since, target: target, action: action, limit: limit), on: pool)
            if json { return print(try TextTable.json(events)) }
            guard !events.isEmpty else { return print("no recorded actions") }
            print(TextTable.render(
                header: ["AT", "LOGIN", "OPERATOR", "ACTION", "TARGET", "REASON", "DETAILS"],
                rows: events.map { event in
                    [TextTable.instant(event.at), event.databaseUser, event.operatorName, event.action.rawValue, event.target,
                     TextTable.cell(event.reason, limit: 60),
                     event.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
                }))
        }
    }
}

/// How `audit list` reads `--since`.
enum AuditOptionValues {
    /// A duration back from now (``DurationText``), or an ISO 8601 instant with its offset.
    static let since: @Sendable (String) throws -> Date = { text in
        if let duration = DurationText.parse(text) {
            return Date().addingTimeInterval(-Double(duration.wholeMilliseconds) / 1_000)
        }
        let formatter = ISO8601DateFormatter()
        if let instant = formatter.date(from: text) { return instant }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let instant = formatter.date(from: text) { return instant }
        throw OptionValueError("not a duration (30m, 7d) or an instant with its offset (2026-12-01T00:00:00+08:00)")
    }
}
