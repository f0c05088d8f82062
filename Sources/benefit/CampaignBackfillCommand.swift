import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitScheduler
import BenefitTools
import Foundation

extension Campaign {
    struct BackfillCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backfill",
            abstract: "Create the runs of a past period's fire times that have none.",
            discussion: """
                The period is [--from, --to): a fire time exactly at --from is included, one
                exactly at --to is not, so `--from 2026-06-01T00:00+08:00 --to
                2026-06-08T00:00+08:00` is that week (seven runs of a daily campaign) and
                consecutive periods never fill a fire time twice. --to must not be in the
                future: the scheduler creates the coming runs.

                Each fire time (of the schedule, within its window) that has no run gets one,
                with trigger backfill, at most once even when backfills run at the same time.
                Under overlap allow the runs are planned at once; under queue and skip they
                start one at a time in fire-time order, the first at once if no run of the
                campaign is going, the next as the scheduler sees each end. A paused campaign
                is refused. So is a period needing more than --max-runs runs: nothing is
                created then. A backfill that created runs is recorded in the audit trail
                (campaign.backfill). More in docs/campaigns.md, Backfill.

                Example: benefit campaign backfill winter-warmth --from 2026-06-01T00:00+08:00 --to 2026-06-08T00:00+08:00 --dry-run

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The campaign's name.")
        var name: String

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("The period's first instant, with its UTC offset (2026-06-01T00:00:00+08:00); included.", valueName: "instant"),
            transform: OptionValues.instant)
        var from: Date

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("The instant the period ends, with its UTC offset; not included, and not in the future.", valueName: "instant"),
            transform: OptionValues.instant)
        var to: Date

        @Option(
            parsing: .unconditional,
            help: "The most runs to create, up to \(Backfill.maximumRunsAllowed); a period needing more is refused whole. (default: \(Backfill.defaultMaximumRuns))",
            transform: OptionValues.wholeNumber(1...Backfill.maximumRunsAllowed))
        var maxRuns = Backfill.defaultMaximumRuns

        @Flag(help: "List the fire times and what would be done for each; write nothing.")
        var dryRun = false

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String?

        @Flag(help: "Print JSON instead of lines: fireTime (UTC), local (the schedule's zone), outcome, run, started.")
        var json = false

        func validate() throws {
            if let problem = Backfill.rangeProblem(from: from, to: to, now: Date()) { throw ValidationError(problem) }
            if let reason, let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.campaign")
            let result: Backfill.Result
            do {
                result = try await Backfill.run(
                    name, from: from, to: to, maximumRuns: maxRuns, dryRun: dryRun, reason: reason, by: OperatorIdentity.current, on: pool)
            } catch let refusal as Backfill.Refusal {
                throw CommandFailure(refusal.description)
            }
            let zone = result.campaign.definition.schedule.timeZone
            if json {
                print(try TextTable.json(result.fireTimes.map { BackfilledFireTime($0, in: zone) }))
                return
            }
            for fire in result.fireTimes {
                print("\(CampaignSummary.local(fire.time, in: zone))  \(TextTable.instant(fire.time))  \(Self.describe(fire.outcome))")
            }
            print(Self.summary(result, name: name, dryRun: dryRun))
        }

        /// What happened to one fire time, after its instants on the line.
        static func describe(_ outcome: Backfill.FireTime.Outcome) -> String {
            switch outcome {
            case .created(let runID, let started): "run \(runID) created, \(started ? "started" : "queued")"
            case .wouldCreate(let started): "would be created, \(started ? "started" : "queued")"
            case .exists(let runID?): "has run \(runID)"
            case .exists(nil): "has a run"
            }
        }

        /// The last line: how many were (or would be) created, how many had a run.
        static func summary(_ result: Backfill.Result, name: String, dryRun: Bool) -> String {
            guard !result.fireTimes.isEmpty else { return "campaign \(name) has no fire times in that range; nothing to do" }
            let having = result.fireTimes.count(where: { if case .exists = $0.outcome { true } else { false } })
            let created = result.fireTimes.count - having
            let runs = "\(created) run\(created == 1 ? "" : "s")"
            let had = having == 0 ? "" : "; \(having) fire time\(having == 1 ? "" : "s") already had one"
            return dryRun ? "dry run: \(runs) of \(name) would be created\(had); nothing was written" : "\(runs) of \(name) created\(had)"
        }
    }
}

/// One fire time of a backfill as `--json` prints it.
struct BackfilledFireTime: Encodable {
    let fireTime: Date
    /// The instant in the schedule's zone, with its offset.
    let local: String
    /// `created`, `would-create` (dry run) or `exists`.
    let outcome: String
    /// The run created or found (nil for a dry run's, or one made by another at the same moment).
    let run: Int?
    /// Whether a run created (or that would be) is planned at once rather than queued.
    let started: Bool?

    init(_ fire: Backfill.FireTime, in zone: TimeZone) {
        fireTime = fire.time
        local = InstantText.format(fire.time, in: zone)
        switch fire.outcome {
        case .created(let runID, let started): (outcome, run, self.started) = ("created", runID, started)
        case .wouldCreate(let started): (outcome, run, self.started) = ("would-create", nil, started)
        case .exists(let runID): (outcome, run, self.started) = ("exists", runID, nil)
        }
    }
}
