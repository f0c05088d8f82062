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
    /// ones whose commit reads the run after the cancel end `cancelled`, and the run
    /// is marked cancelled once none is left. Nil when there is no such run.
    public static func cancel(runID: Int, on pool: PostgresPool, logger: Logger) async throws -> Cancellation? {
        guard let (requested, stopped, state) = try await pool.query(RunQueries.requestCancel(runID: runID))
            .first((Bool, Int, String).self), let stateBefore = RunState(rawValue: state)
        else { return nil }
        if requested {
            try await RunFinisher(pool: pool, logger: logger).finish(runIDs: [runID])
        }
        return Cancellation(requested: requested, stoppedJobs: stopped, stateBefore: stateBefore)
    }

    /// A run's dead jobs back on the queue with fresh attempts; a failed run goes on
    /// running, and ends again when they do. Returns the jobs retried; nil when there
    /// is no such run. (An operator's retry and a finisher pass never cross: see
    /// `benefit.retry_run`.)
    public static func retryDead(runID: Int, on pool: PostgresPool) async throws -> [RetriedJob]? {
        do {
            return try RetriedJob.all(in: try await pool.query(RunQueries.retry(runID: runID)))
        } catch let error as PostgresError where error.sqlState == "P0002" {
            return nil
        }
    }

    /// A dead job back on the queue with fresh attempts; the failed run it belongs
    /// to, if any, goes on running. Empty when the job is not dead.
    public static func retryDead(jobID: Int, on pool: PostgresPool) async throws -> [RetriedJob] {
        try RetriedJob.all(in: try await pool.query(RunQueries.retry(jobID: jobID)))
    }
}
