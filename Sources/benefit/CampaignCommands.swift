import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitScheduler
import BenefitTools
import BenefitWorkers
import Foundation

struct Campaign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply campaign files, list and inspect campaigns, pause, resume, preview, trigger and backfill them.",
        discussion: "The file format is described in docs/campaigns.md.",
        subcommands: [Apply.self, List.self, Show.self, Pause.self, Resume.self, Preview.self, Trigger.self, BackfillCommand.self, TopupCommand.self])

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update campaigns from YAML files, all in one transaction.",
            discussion: """
                Declarative and idempotent: an unchanged file changes nothing; a changed one
                becomes a new revision (earlier ones are kept, with who applied them). If any
                file is invalid, every problem in every file is listed (FILE:LINE: PATH: what
                is wrong) and nothing is written.

                A run uses the revision it was created with. Some parameters are fixed
                for a whole cycle by its first run (a relief budget; checkup hospitals,
                start date and holidays; recuperation sites): when one of those changes
                and the campaign's latest cycle already has a run, apply says that this
                cycle keeps the old value and the change takes effect from the next one.

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "Campaign files (YAML).")
        var files: [String]

        @Flag(help: "Show what would change without writing anything.")
        var dryRun = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one campaign file") }
        }

        func run() async throws {
            let sources: [CampaignStore.Source]
            do {
                sources = try CampaignFiles.read(files, validators: BenefitPrograms.catalog.validators)
            } catch {
                printToStandardError(error.problems.map(\.description))
                let count = error.problems.count
                throw CommandFailure("\(count) problem\(count == 1 ? "" : "s") found; nothing was applied")
            }
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            let programs = Dictionary(BenefitPrograms.catalog.validators.map { ($0.program, $0) }, uniquingKeysWith: { first, _ in first })
            let fixed = programs.mapValues(\.fixedPerCycle)
            let changes = try await CampaignStore.apply(sources, fixedPerCycle: fixed, dryRun: dryRun, by: OperatorIdentity.current, on: pool)
            let verb = dryRun ? "would be" : "is"
            for change in changes {
                switch change.kind {
                case .created: print("\(change.campaign) \(dryRun ? "would be created" : "created") (revision 1)")
                case let .updated(from, to): print("\(change.campaign) \(verb) updated: revision \(from) → \(to)")
                case let .unchanged(revision): print("\(change.campaign) unchanged (revision \(revision))")
                }
                for kept in change.fixedForCycle {
                    let program = sources.first { $0.definition.name == change.campaign }.flatMap { programs[$0.definition.program] }
                    let topup = program?.toppedUpPerCycle.contains(kept.parameter) == true
                        ? " (benefit campaign topup \(change.campaign) --cycle \(kept.cycle) adds to the cycle itself)" : ""
                    print("  parameters.\(kept.parameter): cycle \(kept.cycle) keeps the value its first run fixed; the change takes effect from the next cycle\(topup)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List campaigns.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.campaign", connection: connection)
            let campaigns = try await CampaignStore.list(on: pool)
            let now = Date()
            if json {
                print(try TextTable.json(campaigns.map { CampaignSummary($0, now: now) }))
                return
            }
            guard !campaigns.isEmpty else { return print("no campaigns: apply one with benefit campaign apply FILE.yaml") }
            print(TextTable.render(
                header: ["CAMPAIGN", "PROGRAM", "REV", "STATE", "NEXT FIRE TIME", "TITLE"],
                rows: campaigns.map { campaign in
                    let summary = CampaignSummary(campaign, now: now)
                    return [campaign.name, campaign.definition.program, String(campaign.revision), summary.state,
                            TextTable.instant(summary.nextFireTime), campaign.definition.title ?? ""]
                }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a campaign: its definition, next fire times, revisions and last runs.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.campaign", connection: connection)
            guard let campaign = try await CampaignStore.find(name, on: pool) else { throw CommandFailure("there is no campaign \(name)") }
            let (next, beyondLunarTable) = campaign.definition.schedule.upcomingFireTimes(after: Date(), count: 5)
            let revisions = try await CampaignStore.revisions(name, on: pool)
            let runs = try await RunHistory.list(on: pool, campaign: name, limit: 5)
            if json {
                struct Shown: Encodable {
                    let campaign: CampaignSummary
                    let definition: JSONValue
                    let nextFireTimes: [Date]
                    let revisions: [CampaignStore.Revision]
                    let lastRuns: [RunSummary]
                }
                print(try TextTable.json(Shown(
                    campaign: CampaignSummary(campaign, now: Date()), definition: campaign.definition.jsonValue,
                    nextFireTimes: next, revisions: revisions, lastRuns: runs)))
                return
            }
            printEscaped("campaign \(campaign.name) — \(campaign.definition.title ?? "(no title)")")
            printEscaped("program \(campaign.definition.program), revision \(campaign.revision)"
                + (campaign.paused ? ", PAUSED: \(campaign.pausedReason ?? "")" : ""))
            print("\nnext fire times (\(campaign.definition.timeZoneIdentifier)):")
            if next.isEmpty && !beyondLunarTable { print("  none") }
            for time in next { printEscaped("  \(CampaignSummary.local(time, in: campaign.definition.schedule.timeZone))") }
            if beyondLunarTable { print("  (no more: \(ScheduleError.lunarTableLimit))") }
            print("\nlast runs:")
            if runs.isEmpty { print("  none") }
            for run in runs { printEscaped("  " + RunProgress.plainLine(run)) }
            print("\nrevisions:")
            for revision in revisions {
                printEscaped("  \(revision.revision)  \(TextTable.instant(revision.appliedAt))  \(revision.appliedBy)  \(revision.file ?? "")")
            }
            print("\ndefinition:")
            printEscaped(campaign.definition.canonicalJSON)
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a campaign: no runs are created for it until it is resumed.",
            discussion: """
                Runs already going carry on (see benefit runs cancel), unless --hold-runs:
                then their batches not yet started wait, on every host, until benefit
                campaign resume NAME (batches running at the pause finish). A held run is
                shown held by benefit status and runs watch.

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Option(help: "Why, for the record (shown by list, show and benefit audit list).")
        var reason: String

        @Flag(help: "Hold its runs in progress too: their remaining batches wait until it is resumed.")
        var holdRuns = false

        func validate() throws {
            if let problem = CampaignStore.pauseReasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            guard let paused = try await CampaignStore.pause(name, reason: reason, holdRuns: holdRuns, by: OperatorIdentity.current, on: pool) else {
                let exists = try await CampaignStore.find(name, on: pool) != nil
                throw CommandFailure(
                    !exists ? "there is no campaign \(name)"
                        : "campaign \(name) is already paused" + (holdRuns ? " (resume it, then pause it with --hold-runs to hold its runs)" : ""))
            }
            guard holdRuns else { return print("campaign \(name) paused") }
            let runs = paused.heldRuns.map(String.init).joined(separator: ", ")
            print("campaign \(name) paused; " + (paused.heldRuns.isEmpty ? "no run was in progress to hold" : "runs held until it is resumed: \(runs)"))
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused campaign.",
            discussion: """
                Fire times missed while it was paused follow its catchUp policy (none, latest
                or all); runs held by pause --hold-runs go on at once.

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String?

        func validate() throws {
            if let reason, let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            guard let resumed = try await CampaignStore.resume(name, reason: reason, by: OperatorIdentity.current, on: pool) else {
                let exists = try await CampaignStore.find(name, on: pool) != nil
                throw CommandFailure(exists ? "campaign \(name) is not paused" : "there is no campaign \(name)")
            }
            let runs = resumed.releasedRuns.map(String.init).joined(separator: ", ")
            print("campaign \(name) resumed" + (resumed.releasedRuns.isEmpty ? "" : "; held runs go on: \(runs)"))
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a campaign's next fire times.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Option(parsing: .unconditional, help: "How many. (default: 10)", transform: OptionValues.wholeNumber(1...1_000))
        var count = 10

        @Flag(help: "Print JSON instead of lines: fireTime (UTC) and local (the schedule's zone, with its offset).")
        var json = false

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            guard let campaign = try await CampaignStore.find(name, on: pool) else { throw CommandFailure("there is no campaign \(name)") }
            let schedule = campaign.definition.schedule
            let (times, beyondLunarTable) = schedule.upcomingFireTimes(after: Date(), count: count)
            // The fire times that are known are printed; then, past the lunar table, the preview fails rather than guess.
            let refusal = CommandFailure("campaign \(name): \(ScheduleError.lunarTableLimit)")
            if json {
                let local = ISO8601DateFormatter()
                local.timeZone = schedule.timeZone
                print(try TextTable.json(times.map { FireTime(fireTime: $0, local: local.string(from: $0)) }))
                if beyondLunarTable { throw refusal }
                return
            }
            if times.isEmpty && !beyondLunarTable { print("campaign \(name) will not fire again (its schedule or window has ended)") }
            for time in times { print("\(CampaignSummary.local(time, in: schedule.timeZone))  \(TextTable.instant(time))") }
            if beyondLunarTable { throw refusal }
        }

        struct FireTime: Encodable {
            let fireTime: Date
            let local: String
        }
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a manual run of a campaign now.",
            discussion: """
                The run is planned at once, whatever the campaign's overlap policy. Effects
                stay unique per member within the campaign's cycle: triggering again in the
                same cycle grants nothing twice.

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String?

        func validate() throws {
            if let reason, let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            guard let runID = try await CampaignStore.trigger(name, at: Date(), reason: reason, by: OperatorIdentity.current, on: pool) else {
                throw CommandFailure("there is no campaign \(name)")
            }
            print("run \(runID) of \(name) started; follow it with: benefit runs watch \(runID)")
        }
    }
}

/// A campaign as list commands show it.
struct CampaignSummary: Encodable {
    let campaign: String
    let program: String
    let revision: Int
    let title: String?
    let state: String
    let pausedReason: String?
    let nextFireTime: Date?

    init(_ record: CampaignRecord, now: Date) {
        campaign = record.name
        program = record.definition.program
        revision = record.revision
        title = record.definition.title
        state = record.paused ? "paused" : "active"
        pausedReason = record.pausedReason
        // Past the lunar table's last year a lunar schedule's next fire time is unknown, and listed as none.
        nextFireTime = record.paused ? nil : record.definition.schedule.upcomingFireTimes(after: now, count: 1).times.first
    }

    /// `2027-01-23 09:00 +08:00 (Sat)`: wall time in the campaign's zone.
    static func local(_ date: Date, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm xxx (EEE)"
        return formatter.string(from: date)
    }
}
