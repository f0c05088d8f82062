import BenefitQueue
import Foundation
import PostgresClient

/// One row of `benefit.jobs`: a job and the run it belongs to, if any.
public struct JobSummary: Sendable, Codable, Equatable {
    public let jobID: Int
    public let queue: String
    public let kind: String
    public let state: JobState
    public let priority: Int
    /// Attempts begun so far.
    public let attempt: Int
    public let maxAttempts: Int
    public let runAt: Date
    public let runID: Int?
    public let uniqueKey: String?
    public let createdAt: Date
    public let finishedAt: Date?
    public let lastError: String?
}

/// One row of `benefit.job_attempts`: one attempt at a job, by one worker.
public struct AttemptSummary: Sendable, Codable, Equatable {
    public let jobID: Int
    public let runID: Int?
    public let campaign: String?
    public let attempt: Int
    public let worker: String
    public let host: String
    public let startedAt: Date
    public let finishedAt: Date?
    public let outcome: AttemptOutcome
    public let error: String?
}

/// Reads jobs and their attempts for operators (the console's run and job pages),
/// through the runs layer's views.
public enum JobHistory {
    /// One job, or nil.
    public static func find(_ jobID: Int, on pool: PostgresPool) async throws -> JobSummary? {
        guard let row = try await pool.query(JobViewQueries.job(id: jobID)).first else { return nil }
        let (id, queue, kind, state, priority, attempt, maxAttempts, runAt, runID, uniqueKey, created, finished, lastError) =
            try row.decode((Int, String, String, String, Int, Int, Int, Date, Int?, String?, Date, Date?, String?).self)
        guard let jobState = JobState(rawValue: state) else {
            throw PostgresError(code: .decoding, message: "job \(id) has an unknown state \(state)")
        }
        return JobSummary(
            jobID: id, queue: queue, kind: kind, state: jobState, priority: priority, attempt: attempt, maxAttempts: maxAttempts,
            runAt: runAt, runID: runID, uniqueKey: uniqueKey, createdAt: created, finishedAt: finished, lastError: lastError)
    }

    /// A run's attempts, newest first, at most `limit`.
    public static func attempts(runID: Int, limit: Int, on pool: PostgresPool) async throws -> [AttemptSummary] {
        try await pool.query(JobViewQueries.attempts(runID: runID, limit: limit)).map(attempt(from:))
    }

    /// A job's attempts, newest first, at most `limit`.
    public static func attempts(jobID: Int, limit: Int, on pool: PostgresPool) async throws -> [AttemptSummary] {
        try await pool.query(JobViewQueries.attempts(jobID: jobID, limit: limit)).map(attempt(from:))
    }

    /// Decodes a row of ``JobViewQueries/attempts``.
    static func attempt(from row: PostgresRow) throws -> AttemptSummary {
        let (jobID, runID, campaign, attempt, worker, host, started, finished, outcome, error) =
            try row.decode((Int, Int?, String?, Int, String, String, Date, Date?, String, String?).self)
        guard let attemptOutcome = AttemptOutcome(rawValue: outcome) else {
            throw PostgresError(code: .decoding, message: "job \(jobID) attempt \(attempt) has an unknown outcome \(outcome)")
        }
        return AttemptSummary(
            jobID: jobID, runID: runID, campaign: campaign, attempt: attempt, worker: worker, host: host, startedAt: started,
            finishedAt: finished, outcome: attemptOutcome, error: error)
    }
}
