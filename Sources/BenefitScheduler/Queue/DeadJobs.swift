import Foundation

/// A row of `benefit.dead_jobs`, for operators.
public struct DeadJob: Sendable, Codable {
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
    public static func list(on pool: PostgresPool, runID: Int?, limit: Int) async throws -> [DeadJob] {
        try await pool.query(JobQueries.dead(runID: runID, limit: limit))
            .decode((Int, Int?, String, Int, String?, Date?).self)
            .map { DeadJob(jobID: $0.0, runID: $0.1, kind: $0.2, attempts: $0.3, lastError: $0.4, diedAt: $0.5) }
    }
}
