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

    /// For each of `jobs`, how long after its enqueue's transaction began its
    /// first attempt was claimed, in milliseconds (the database's clock).
    public func pickupLatencies(jobs: [Int]) async throws -> [Double] {
        try await pool.query(JobQueries.pickupLatencies(jobs: jobs)).decode(Double.self)
    }
}

/// What waits on one queue: `benefit status`, and the leading scheduler's
/// queue-depth gauges (``QueueDepthSampler``).
public struct QueueDepth: Sendable, Codable, Equatable {
    public let queue: String
    /// Available jobs due now.
    public let available: Int
    /// Available jobs due later (`run_at` in the future).
    public let scheduled: Int
    public let running: Int
    /// Dead jobs, all (until retried or cancelled).
    public let dead: Int
    /// Jobs that died in the last 24 hours.
    public let deadLastDay: Int
    /// How long the oldest job due now has waited, in seconds; nil when none waits.
    public let oldestWaitSeconds: Double?

    public init(queue: String, available: Int = 0, scheduled: Int = 0, running: Int = 0, dead: Int = 0, deadLastDay: Int = 0, oldestWaitSeconds: Double? = nil) {
        self.queue = queue
        self.available = available
        self.scheduled = scheduled
        self.running = running
        self.dead = dead
        self.deadLastDay = deadLastDay
        self.oldestWaitSeconds = oldestWaitSeconds
    }

    enum CodingKeys: String, CodingKey {
        case queue, available, scheduled, running, dead, deadLastDay = "dead_last_day", oldestWaitSeconds = "oldest_wait_seconds"
    }
}

extension JobQueue {
    /// Every queue with a job available, running or dead, by name; succeeded and
    /// cancelled jobs, which only accumulate, are not read.
    public func depths() async throws -> [QueueDepth] {
        try await pool.query(JobQueries.depths).decode((String, Int, Int, Int, Int, Int, Double?).self).map {
            QueueDepth(queue: $0.0, available: $0.1, scheduled: $0.2, running: $0.3, dead: $0.4, deadLastDay: $0.5, oldestWaitSeconds: $0.6)
        }
    }
}
