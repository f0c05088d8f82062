import BenefitQueue
import Logging
import PostgresClient

/// Operators' actions on runs, and on the jobs of runs.
public enum RunControl {
    /// What a cancel request did.
    public struct Cancellation: Sendable, Equatable {
        /// Whether the request took (the run was pending or running).
        public let requested: Bool
        /// Batches (and a planning job) that will now not start.
        public let stoppedJobs: Int
        /// The run's state before the request.
        public let stateBefore: RunState
    }

    /// Asks a run to stop: its jobs that have not started are cancelled, running
    /// ones end `cancelled` at their commit, and the run is marked cancelled once
    /// none is left. Nil when there is no such run.
    public static func cancel(runID: Int, on pool: PostgresPool, logger: Logger) async throws -> Cancellation? {
        let cancellation = try await pool.transaction { transaction -> Cancellation? in
            let (requested, state) = try await transaction.query(RunQueries.requestCancel(runID: runID)).single((Int, String?).self)
            guard let state, let stateBefore = RunState(rawValue: state) else { return nil }
            let stopped = requested == 1
                ? try await JobQueue.cancelAvailable(group: RunGroup.key(runID: runID), on: transaction) : 0
            return Cancellation(requested: requested == 1, stoppedJobs: stopped, stateBefore: stateBefore)
        }
        if cancellation?.requested == true {
            try await RunFinisher(pool: pool, logger: logger).finish(runIDs: [runID])
        }
        return cancellation
    }

    /// A run's dead jobs back on the queue with fresh attempts; a failed run goes on
    /// running, and ends again when they do. Returns the jobs retried; nil when there is no such run.
    public static func retryDead(runID: Int, on pool: PostgresPool) async throws -> [RetriedJob]? {
        try await pool.transaction { transaction in
            // The run's lock first: a finisher pass that holds it (it read the dead
            // jobs before this retry) is waited for, and what it wrote is reopened
            // below; a pass that comes later skips the run until this commits.
            guard try await transaction.query(RunQueries.lock(runID: runID)).first != nil else { return nil }
            let retried = try await JobQueue.retryDead(group: RunGroup.key(runID: runID), on: transaction)
            if !retried.isEmpty { try await transaction.query(RunQueries.reopen(runIDs: [runID])) }
            return retried
        }
    }

    /// A dead job back on the queue with fresh attempts; the failed run it belongs
    /// to, if any, goes on running. Empty when the job is not dead.
    public static func retryDead(jobID: Int, on pool: PostgresPool) async throws -> [RetriedJob] {
        try await pool.transaction { transaction in
            let retried = try await JobQueue.retryDead(jobID: jobID, on: transaction)
            let runIDs = retried.compactMap { RunGroup.runID(of: $0.group) }
            if !runIDs.isEmpty { try await transaction.query(RunQueries.reopen(runIDs: runIDs)) }
            return retried
        }
    }
}
