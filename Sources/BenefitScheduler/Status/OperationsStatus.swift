import BenefitCore
import BenefitQueue
import Foundation
import PostgresClient

/// Everything an operator checks first, read in one go: `benefit status`.
public struct OperationsStatus: Sendable, Codable, Equatable {
    /// Processes alive, and those stopped or gone in the last day.
    public let processes: [ProcessRecord]
    /// The name of the scheduler that leads, if any.
    public let leader: String?
    /// Queues with jobs due, scheduled, running or dead.
    public let queues: [QueueDepth]
    /// Queues paused: no worker claims their jobs until they are resumed.
    public let pausedQueues: [QueuePause]
    /// Runs pending or running.
    public let runs: [RunActivity]
    /// Jobs that died in the last 24 hours, on every queue.
    public let deadLastDay: Int
    /// What is wrong, in English (`--json`'s `warnings`).
    public let warnings: [String]
    /// The same, as values, for a page to word in its language (not in the JSON).
    public private(set) var problems: [Warning] = []

    enum CodingKeys: String, CodingKey {
        case processes, leader, queues, pausedQueues = "paused_queues", runs, deadLastDay = "dead_last_day", warnings
    }

    /// What counts as a run not progressing.
    public struct Thresholds: Sendable {
        /// A running run with no batch finished for this long, or a run waiting this
        /// long to be planned. Default 10 minutes.
        public var stalledAfter: Duration = .seconds(600)
        public init() {}
    }

    public static func read(on pool: PostgresPool, thresholds: Thresholds = Thresholds()) async throws -> OperationsStatus {
        async let processes = ProcessRegistry.list(on: pool)
        async let queues = JobQueue(pool: pool).depths()
        async let paused = JobQueue(pool: pool).pauses()
        async let runs = RunHistory.activity(on: pool)
        return try await OperationsStatus(processes: processes, queues: queues, pausedQueues: paused, runs: runs, thresholds: thresholds)
    }

    public init(
        processes: [ProcessRecord], queues: [QueueDepth], pausedQueues: [QueuePause], runs: [RunActivity],
        thresholds: Thresholds = Thresholds()
    ) {
        self.processes = processes
        self.queues = queues
        self.pausedQueues = pausedQueues
        self.runs = runs
        leader = processes.first(where: \.leader)?.name
        deadLastDay = queues.reduce(0) { $0 + $1.deadLastDay }
        problems = Self.warnings(
            processes: processes, queues: queues, paused: Set(pausedQueues.map(\.queue)), runs: runs, leader: leader, thresholds: thresholds)
        warnings = problems.map(\.text)
    }

    /// The queues with jobs due, scheduled, running or dead, and the paused ones,
    /// each with its pause and its workers: the rows of the status's queue table.
    public var queueSummaries: [QueueSummary] {
        let shown = Set(queues.map(\.queue)).union(pausedQueues.map(\.queue))
        return QueueSummary.merge(depths: queues, pauses: pausedQueues, processes: processes).filter { shown.contains($0.queue) }
    }

    /// No leader; a queue with jobs due and no worker alive on it (unless it is
    /// paused: then no worker is meant to take them); a run not progressing (unless
    /// it is held).
    static func warnings(
        processes: [ProcessRecord], queues: [QueueDepth], paused: Set<String>, runs: [RunActivity], leader: String?, thresholds: Thresholds
    ) -> [Warning] {
        var warnings: [Warning] = []
        if leader == nil { warnings.append(.noLeader) }
        let claimed = Set(processes.filter { $0.role == .worker && $0.state == .running }.flatMap(\.queues))
        for queue in queues where queue.available > 0 && !claimed.contains(queue.queue) && !paused.contains(queue.queue) {
            warnings.append(.unclaimedQueue(queue: queue.queue, due: queue.available))
        }
        let stalled = Double(thresholds.stalledAfter.wholeMilliseconds) / 1_000
        for activity in runs {
            let run = activity.run
            switch activity.phase {
            case .running:
                if let quiet = activity.secondsSinceProgress, quiet >= stalled {
                    warnings.append(.stalledRun(runID: run.runID, campaign: run.campaign, seconds: quiet))
                }
            case .waitingToPlan where activity.phaseSeconds >= stalled:
                warnings.append(.unplannedRun(runID: run.runID, campaign: run.campaign, seconds: activity.phaseSeconds))
            case .queued, .waitingToPlan, .planning, .held:
                break
            }
        }
        return warnings
    }

    /// What `benefit status` warns of; ``text`` says it in English (the console in its page's language).
    public enum Warning: Sendable, Equatable {
        case noLeader
        case unclaimedQueue(queue: String, due: Int)
        case stalledRun(runID: Int, campaign: String, seconds: Double)
        case unplannedRun(runID: Int, campaign: String, seconds: Double)

        public var text: String {
            switch self {
            case .noLeader: "no scheduler leads: no campaign fires until one runs (benefit scheduler)"
            case let .unclaimedQueue(queue, due): "queue \(queue) has \(due) jobs due and no running worker claims from it"
            case let .stalledRun(runID, campaign, seconds):
                "run \(runID) (\(campaign)) is not progressing: no batch finished for \(OperationsStatus.text(seconds))"
            case let .unplannedRun(runID, campaign, seconds):
                "run \(runID) (\(campaign)) has waited \(OperationsStatus.text(seconds)) for a worker to plan it"
            }
        }
    }

    /// Whole minutes from a minute on ("20m", not "1201s"), else seconds.
    static func text(_ seconds: Double) -> String {
        let whole = Int(seconds)
        return DurationText.format(.seconds(whole >= 60 ? whole / 60 * 60 : whole))
    }
}
