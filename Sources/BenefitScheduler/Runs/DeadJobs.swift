import BenefitQueue
import Foundation
import PostgresClient

/// A dead job as operators list it: with the run it belongs to, if any.
public struct DeadJobSummary: Sendable, Codable {
    public let jobID: Int
    public let runID: Int?
    public let kind: String
    public let attempts: Int
    public let lastError: String?
    public let diedAt: Date?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", runID = "run_id", kind, attempts, lastError = "last_error", diedAt = "died_at"
    }
}

/// The dead-letter list, with runs.
public enum DeadJobs {
    /// Newest first; one run's when given.
    public static func list(on pool: PostgresPool, runID: Int?, limit: Int) async throws -> [DeadJobSummary] {
        try await JobQueue(pool: pool).deadJobs(group: runID.map { RunGroup.key(runID: $0) }, limit: limit).map { job in
            DeadJobSummary(
                jobID: job.jobID, runID: RunGroup.runID(of: job.group), kind: job.kind, attempts: job.attempts,
                lastError: job.lastError, diedAt: job.diedAt)
        }
    }
}
