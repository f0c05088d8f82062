import BenefitQueue
import Foundation
import PostgresClient

/// Creates runs: one per campaign and fire time, with its planning job in the same transaction.
public enum RunLauncher {
    /// The kind of a run's planning job.
    public static let planKind = "campaign.plan"
    /// The kind of a run's batch jobs.
    public static let batchKind = "campaign.batch"

    /// Creates the run for `fireTime` unless it exists (then nil); enqueues its
    /// planning job when `start` is true, else leaves it pending (queued behind a
    /// running one). Call inside the transaction that holds the campaign row lock.
    public static func create(
        _ campaign: CampaignRecord, fireTime: Date, trigger: RunTrigger, start: Bool, on transaction: PostgresConnection
    ) async throws -> Int? {
        let cycle = cycleLabel(for: fireTime, definition: campaign.definition)
        guard let runID = try await transaction.query(RunQueries.create(
            campaignID: campaign.id, revision: campaign.revision, fireTime: fireTime, trigger: trigger, cycle: cycle
        )).first(Int.self) else { return nil }
        if start { try await enqueuePlan(runID: runID, campaign: campaign, on: transaction) }
        return runID
    }

    /// Puts a run's planning job on the queue, in the run's group, and records it on the run.
    static func enqueuePlan(runID: Int, campaign: CampaignRecord, on transaction: PostgresConnection) async throws {
        var job = jobTemplate(kind: planKind, runID: runID, execution: campaign.definition.execution)
        job.payload = #"{"run": \#(runID)}"#
        let (jobID, _) = try await JobQueue.enqueue(job, on: transaction)
        try await transaction.query(RunQueries.recordPlanJob(runID: runID, jobID: jobID))
    }

    /// What every batch job of a run shares: the campaign's execution policy, the
    /// run's group, the campaign's concurrency group when it has a limit, and its
    /// timeout (batches only: see ``ExecutionPolicy/timeout``).
    static func batchTemplate(for run: RunContext) -> NewJob {
        var job = jobTemplate(kind: batchKind, runID: run.runID, execution: run.definition.execution)
        job.concurrency = run.definition.execution.concurrency.map {
            ConcurrencyGroup(key: RunGroup.concurrencyKey(campaignID: run.campaignID), limit: $0)
        }
        job.timeout = run.definition.execution.timeout
        return job
    }

    private static func jobTemplate(kind: String, runID: Int, execution: ExecutionPolicy) -> NewJob {
        NewJob(
            kind: kind, queue: execution.queue, priority: execution.priority, maxAttempts: execution.maxAttempts,
            lease: execution.lease, backoffInitial: execution.backoffInitial, backoffMax: execution.backoffMax,
            group: RunGroup.key(runID: runID))
    }

    /// The period a run's effects are unique within, read in the campaign's time zone.
    public static func cycleLabel(for fireTime: Date, definition: CampaignDefinition) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = definition.schedule.timeZone
        let parts = calendar.dateComponents([.year, .month], from: fireTime)
        switch definition.cycle {
        case .yearly: return String(parts.year ?? 0)
        case .monthly: return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
        // Each run its own cycle, named by its fire time (to the millisecond, UTC).
        case .run:
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return "run-" + formatter.string(from: fireTime)
        }
    }
}
