import Foundation
import PostgresClient

/// What a queue has done, read from its jobs' and attempts' own timestamps (the
/// database's clock): for benchmarks and, later, for operators' views of a queue.
extension JobQueue {
    /// How many of a queue's jobs are in each state.
    public func stateCounts(queue: String) async throws -> [JobState: Int] {
        var counts: [JobState: Int] = [:]
        for (state, count) in try await pool.query(JobQueries.stateCounts(queue: queue)).decode((String, Int).self) {
            if let state = JobState(rawValue: state) { counts[state] = count }
        }
        return counts
    }

    /// Whether any of a queue's jobs is available or running.
    public func hasLiveJobs(queue: String) async throws -> Bool {
        try await pool.query(JobQueries.hasLiveJobs(queue: queue)).single(Bool.self)
    }

    /// A queue's succeeded jobs, and the seconds from its first claim to its last
    /// completion (nil before any job ended).
    public func completionWindow(queue: String) async throws -> (succeeded: Int, seconds: Double?) {
        let (succeeded, seconds) = try await pool.query(JobQueries.completionWindow(queue: queue)).single((Int, Double?).self)
        return (succeeded, seconds)
    }

    /// For each of a queue's jobs, how long after its enqueue's transaction began its
    /// first attempt was claimed, in milliseconds.
    public func pickupLatencies(queue: String) async throws -> [Double] {
        try await pool.query(JobQueries.pickupLatencies(queue: queue)).decode(Double.self)
    }
}
