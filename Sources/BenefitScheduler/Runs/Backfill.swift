import BenefitAudit
import Foundation
import PostgresClient

/// `campaign backfill`: runs for the fire times of a past period that have none.
///
/// The period is half-open, `[from, to)`, and must have ended: `to` is at most
/// now. Each fire time of the campaign's schedule (and window) in it that has no
/// run gets one with trigger `backfill`, firing the campaign's current revision,
/// in the cycle of its fire time. All of it happens in one transaction that holds
/// the campaign's row lock, as the scheduler's tick and `campaign trigger` do:
/// a backfill, a tick and a trigger of one campaign take turns, and each sees the
/// runs the one before made. The insert itself is `ON CONFLICT (campaign_id,
/// fire_time) DO NOTHING`, so a run is never made twice whatever the locking;
/// what was created is what the database says it inserted.
///
/// The overlap policy decides when the runs start:
/// - `allow`: each is planned at once, side by side.
/// - `queue` and `skip`: one at a time, in fire-time order: the first at once
///   if none of the campaign's runs is going, the others queued (pending, not
///   planned); the scheduler starts the next as each one ends. Neither drops a
///   fire time the operator named; under `skip` the scheduler's own fire times
///   that come while they wait are skipped, as for any run going.
///
/// A paused campaign is refused: pausing says no runs now. A backfill that would
/// create more than `maximumRuns` runs is refused whole, so a wrong year in
/// `--from` does not start a year of minutely runs. A backfill that created a run
/// is recorded in the audit trail (`campaign.backfill`, with from, to and the
/// runs created) in the same transaction; a dry run, or one that found every
/// fire time with its run, records nothing.
public enum Backfill {
    /// How many runs one backfill may create unless told otherwise.
    public static let defaultMaximumRuns = 1_000
    /// The most any backfill may create: larger periods are backfilled in parts.
    public static let maximumRunsAllowed = 5_000

    /// What is wrong with a period, or nil: it must be `from` before `to`, and over by `now`.
    public static func rangeProblem(from: Date, to: Date, now: Date) -> String? {
        if to == from { return "--from and --to are the same instant: the range [from, to) holds no fire time" }
        if to < from { return "--to is before --from: the range runs backwards" }
        if to > now {
            return "--to \(utc(to)) is in the future (now is \(utc(now))): backfill creates the runs of past fire times; the scheduler creates the coming ones"
        }
        return nil
    }

    /// One fire time of the period, and what the backfill did or would do for it.
    public struct FireTime: Sendable, Equatable {
        public enum Outcome: Sendable, Equatable {
            /// A run was created (its planning job enqueued when `started`, else queued).
            case created(runID: Int, started: Bool)
            /// A dry run: one would be created, and started or queued.
            case wouldCreate(started: Bool)
            /// It already had its run (the id, when known: one made at the same moment by another is not read).
            case exists(runID: Int?)
        }

        public let time: Date
        public let outcome: Outcome
    }

    /// What a backfill did (or, dry, would do).
    public struct Result: Sendable {
        /// The campaign as found (its schedule's zone, for display).
        public let campaign: CampaignRecord
        /// Every fire time of the period, ascending.
        public let fireTimes: [FireTime]

        public var runsCreated: Int {
            fireTimes.count(where: { if case .created = $0.outcome { true } else { false } })
        }
    }

    /// Why a backfill was refused; nothing was written.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case noSuchCampaign(String)
        case paused(campaign: String, reason: String?)
        case invalidRange(String)
        /// More than `maximum` fire times of the period have no run.
        case tooManyRuns(campaign: String, maximum: Int)
        /// The schedule's fire times in the period cannot be known (a lunar date outside the lunar table).
        case schedule(campaign: String, ScheduleError)

        public var description: String {
            switch self {
            case .noSuchCampaign(let name): "there is no campaign \(name)"
            case .paused(let name, let reason):
                "campaign \(name) is paused\(reason.map { " (\($0))" } ?? ""): resume it before backfilling; a backfill creates no runs for a paused campaign"
            case .invalidRange(let problem): problem
            case .tooManyRuns(let name, let maximum):
                "campaign \(name) has more than \(maximum) fire times without a run in that range: "
                    + (maximum < Backfill.maximumRunsAllowed
                        ? "narrow it, or allow more with --max-runs (at most \(Backfill.maximumRunsAllowed))" : "backfill it in parts")
                    + "; nothing was created"
            case .schedule(let name, let error): "campaign \(name): \(error)"
            }
        }
    }

    /// Backfills campaign `name` over `[from, to)`; see ``Backfill``. `maximumRuns`
    /// above ``maximumRunsAllowed`` counts as that.
    ///
    /// - Throws: ``Refusal`` (nothing written); ``AuditError`` for a reason the audit
    ///   trail refuses, before anything is sent.
    @discardableResult
    public static func run(
        _ name: String, from: Date, to: Date, maximumRuns: Int = defaultMaximumRuns, dryRun: Bool, reason: String? = nil,
        by operatorName: String, on pool: PostgresPool, now: Date = Date()
    ) async throws -> Result {
        let entry = try AuditEntry(.campaignBackfill, target: name, reason: reason, by: operatorName)
        if let problem = rangeProblem(from: from, to: to, now: now) { throw Refusal.invalidRange(problem) }
        let maximumRuns = min(maximumRuns, maximumRunsAllowed)
        return try await pool.transaction { transaction in
            // Locked like the scheduler locks it; a dry run only reads.
            let query = dryRun ? CampaignQueries.byName(name) : CampaignQueries.lockByName(name)
            guard let row = try await transaction.query(query).first else { throw Refusal.noSuchCampaign(name) }
            let campaign = try CampaignStore.record(from: row)
            if campaign.paused { throw Refusal.paused(campaign: name, reason: campaign.pausedReason) }
            let existing = Dictionary(
                try await transaction.query(RunQueries.inRange(campaignID: campaign.id, from: from, before: to)).decode((Date, Int).self),
                uniquingKeysWith: { first, _ in first })
            // One more than may be created besides those with a run: finding that many means too many.
            let limit = maximumRuns + existing.count + 1
            let times: [Date]
            do throws(ScheduleError) {
                times = try campaign.definition.schedule.fireTimes(from: from, before: to, limit: limit)
            } catch {
                throw Refusal.schedule(campaign: name, error)
            }
            if times.count(where: { existing[$0] == nil }) > maximumRuns { throw Refusal.tooManyRuns(campaign: name, maximum: maximumRuns) }

            let allStart = campaign.definition.overlap == .allow
            var active = try await transaction.query(RunQueries.activeCount(campaignID: campaign.id)).single(Int.self) > 0
            var fireTimes: [FireTime] = []
            for time in times {
                if let runID = existing[time] {
                    fireTimes.append(FireTime(time: time, outcome: .exists(runID: runID)))
                    continue
                }
                let start = allStart || !active
                if dryRun {
                    fireTimes.append(FireTime(time: time, outcome: .wouldCreate(started: start)))
                    active = true
                } else if let runID = try await RunLauncher.create(campaign, fireTime: time, trigger: .backfill, start: start, on: transaction) {
                    fireTimes.append(FireTime(time: time, outcome: .created(runID: runID, started: start)))
                    active = true
                } else {
                    fireTimes.append(FireTime(time: time, outcome: .exists(runID: nil)))
                }
            }
            let result = Result(campaign: campaign, fireTimes: fireTimes)
            if result.runsCreated > 0 {
                try await AuditTrail.record(entry.adding([
                    "from": .text(utc(from)), "to": .text(utc(to)), "runs": .integer(result.runsCreated),
                ]), on: transaction)
            }
            return result
        }
    }

    /// `2026-06-01T01:00:00Z`: an instant as the audit trail and the messages give it.
    private static func utc(_ instant: Date) -> String {
        InstantText.format(instant, in: .gmt)
    }
}
