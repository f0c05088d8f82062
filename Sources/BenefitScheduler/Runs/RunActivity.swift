import BenefitCore
import BenefitQueue
import Foundation
import PostgresClient

/// A run in progress and what it is doing now: `benefit status` and `runs watch`.
public struct RunActivity: Sendable, Codable, Equatable {
    public enum Phase: String, Sendable, Codable {
        /// Waiting for an earlier run of its campaign to end (overlap: queue).
        case queued
        /// Its planning job waits for a worker.
        case waitingToPlan = "waiting_to_plan"
        /// A worker is choosing its members and writing its batches.
        case planning
        /// Its batches are on the queue.
        case running
        /// Its campaign was paused with `--hold-runs`: the jobs it has left wait
        /// for `campaign resume` (those running at the pause finish).
        case held
    }

    public let run: RunSummary
    public let phase: Phase
    /// How long it has been in its phase, in seconds (database clock): since it was
    /// created (queued, waiting), since its planning attempt began, since it
    /// started, since it was held.
    public let phaseSeconds: Double
    /// Seconds since a batch last finished, or since the run started when none has;
    /// nil before it runs, and while it is held (it waits on purpose).
    public let secondsSinceProgress: Double?

    enum CodingKeys: String, CodingKey {
        case run, phase, phaseSeconds = "phase_seconds", secondsSinceProgress = "seconds_since_progress"
    }

    /// Members handled per second since the run started.
    public var membersPerSecond: Double {
        guard phase == .running, phaseSeconds > 0 else { return 0 }
        return Double(run.membersDone) / phaseSeconds
    }

    /// "planning for 14s", "running", ...: the phase in words.
    public var phaseText: String {
        let since = DurationText.format(.seconds(Int(phaseSeconds.rounded(.down))))
        switch phase {
        case .queued: return "queued behind an earlier run for \(since)"
        case .waitingToPlan: return "waiting for a worker to plan it for \(since)"
        case .planning: return "planning for \(since)"
        case .running: return "running for \(since)"
        case .held: return "held for \(since) until its campaign is resumed"
        }
    }
}

extension RunHistory {
    /// Runs pending or running (or only those given), oldest fire time first; a run
    /// whose group the queue holds (``CampaignStore/pause(_:reason:holdRuns:by:on:)``) is `held`.
    public static func activity(on pool: PostgresPool, runIDs: [Int]? = nil) async throws -> [RunActivity] {
        async let held = JobQueue(pool: pool).heldGroups()
        async let runs = unheldActivity(on: pool, runIDs: runIDs)
        let heldSeconds = Dictionary(try await held.map { ($0.group, $0.heldSeconds) }, uniquingKeysWith: { first, _ in first })
        return try await runs.map { activity in
            guard let seconds = heldSeconds[RunGroup.key(runID: activity.run.runID)] else { return activity }
            return RunActivity(run: activity.run, phase: .held, phaseSeconds: max(0, seconds), secondsSinceProgress: nil)
        }
    }

    /// Runs pending or running (or only those given), each in the phase its own rows say.
    private static func unheldActivity(on pool: PostgresPool, runIDs: [Int]?) async throws -> [RunActivity] {
        try await pool.query("""
            SELECT h.*, r.plan_job_id IS NOT NULL AS has_plan,
                   extract(epoch FROM now() - r.created_at)::float8 AS since_created,
                   extract(epoch FROM now() - p.started_at)::float8 AS since_planning,
                   extract(epoch FROM now() - h.started_at)::float8 AS since_started,
                   extract(epoch FROM now() - coalesce(b.last_done, h.started_at))::float8 AS since_progress
            FROM (\(subquery: columns)) h
            JOIN benefit.run r ON r.id = h.run_id
            LEFT JOIN LATERAL (
                SELECT max(a.started_at) AS started_at FROM benefit.job_attempts a
                WHERE a.job_id = r.plan_job_id AND a.outcome = 'running'
            ) p ON true
            LEFT JOIN LATERAL (SELECT max(rb.done_at) AS last_done FROM benefit.run_batch rb WHERE rb.run_id = r.id) b ON true
            WHERE h.state IN ('pending', 'running') AND (\(runIDs)::bigint[] IS NULL OR h.run_id = ANY (\(runIDs)::bigint[]))
            ORDER BY h.fire_time, h.run_id
            """).map { row in
            let summary = try decode(row)
            let hasPlan = try row.decode(Bool.self, column: "has_plan")
            let sinceCreated = try row.decode(Double.self, column: "since_created")
            let sincePlanning = try row.decode(Double?.self, column: "since_planning")
            let sinceStarted = try row.decode(Double?.self, column: "since_started")
            let sinceProgress = try row.decode(Double?.self, column: "since_progress")
            let phase: RunActivity.Phase
            let seconds: Double
            if summary.state == .running {
                (phase, seconds) = (.running, sinceStarted ?? 0)
            } else if let sincePlanning {
                (phase, seconds) = (.planning, sincePlanning)
            } else {
                (phase, seconds) = (hasPlan ? .waitingToPlan : .queued, sinceCreated)
            }
            return RunActivity(
                run: summary, phase: phase, phaseSeconds: max(0, seconds),
                secondsSinceProgress: phase == .running ? sinceProgress.map { max(0, $0) } : nil)
        }
    }
}
