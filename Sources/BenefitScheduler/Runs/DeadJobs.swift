import Foundation
import PostgresClient

/// A dead job as operators list it (a row of `benefit.dead_jobs`): with the run it belongs to.
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

/// The dead-letter list.
public enum DeadJobs {
    public static func list(on pool: PostgresPool, runID: Int?, limit: Int) async throws -> [DeadJobSummary] {
        try await pool.query(Self.query(runID: runID, limit: limit))
            .decode((Int, Int?, String, Int, String?, Date?).self)
            .map { DeadJobSummary(jobID: $0.0, runID: $0.1, kind: $0.2, attempts: $0.3, lastError: $0.4, diedAt: $0.5) }
    }

    /// The dead-letter list, newest first.
    static func query(runID: Int?, limit: Int) -> PostgresQuery {
        """
        SELECT job_id, run_id, kind, attempts, last_error, died_at FROM benefit.dead_jobs
        WHERE \(runID)::bigint IS NULL OR run_id = \(runID)
        ORDER BY died_at DESC, job_id DESC LIMIT \(limit)
        """
    }
}
