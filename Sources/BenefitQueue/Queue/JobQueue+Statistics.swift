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

    /// How many jobs each queue holds in each of `states` (available, running and
    /// dead by default), and how long each queue's oldest due available job has
    /// waited. A queue with no job in those states is left out.
    public func depth(states: [JobState] = QueueDepth.liveStates) async throws -> [QueueDepth] {
        var depths: [String: QueueDepth] = [:]
        for (queue, state, count, age) in try await pool.query(JobQueries.depth(states: states.map(\.rawValue)))
            .decode((String, String, Int, Double?).self) {
            guard let state = JobState(rawValue: state) else { continue }
            depths[queue, default: QueueDepth(queue: queue)].jobs[state] = count
            if let age { depths[queue]!.oldestAvailableAge = .milliseconds(Int64((age * 1_000).rounded())) }
        }
        return depths.values.sorted { $0.queue < $1.queue }
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

/// One queue's jobs by state, as ``JobQueue/depth(states:)`` read them.
public struct QueueDepth: Sendable, Equatable {
    /// The states whose jobs are still to be dealt with by someone: waiting,
    /// running, or dead (an operator's). Succeeded and cancelled jobs only accumulate.
    public static let liveStates: [JobState] = [.available, .running, .dead]

    public var queue: String
    /// Jobs in each state read; a state with none is absent.
    public var jobs: [JobState: Int] = [:]
    /// How long the oldest available job whose time has come has waited; nil when none waits.
    public var oldestAvailableAge: Duration?

    public init(queue: String, jobs: [JobState: Int] = [:], oldestAvailableAge: Duration? = nil) {
        self.queue = queue
        self.jobs = jobs
        self.oldestAvailableAge = oldestAvailableAge
    }
}
