import BenefitAudit
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
    /// is marked cancelled once none is left. A request that took is recorded in
    /// the audit trail (`run.cancel`, with the jobs stopped) in the same
    /// transaction. Nil when there is no such run.
    ///
    /// - Throws: ``AuditError`` for a reason the audit trail refuses, before anything is sent.
    public static func cancel(
        runID: Int, reason: String, by operatorName: String, on pool: PostgresPool, logger: Logger
    ) async throws -> Cancellation? {
        let entry = try AuditEntry(.runCancel, target: String(runID), reason: reason, by: operatorName)
        let cancellation = try await pool.transaction { transaction -> Cancellation? in
            guard let (requested, stopped, state) = try await transaction.query(RunQueries.requestCancel(runID: runID))
                .first((Bool, Int, String).self), let stateBefore = RunState(rawValue: state)
            else { return nil }
            if requested {
                try await AuditTrail.record(entry.adding(["stoppedJobs": .integer(stopped), "stateBefore": .text(state)]), on: transaction)
            }
            return Cancellation(requested: requested, stoppedJobs: stopped, stateBefore: stateBefore)
        }
        if cancellation?.requested == true {
            try await RunFinisher(pool: pool, logger: logger).finish(runIDs: [runID])
        }
        return cancellation
    }

    /// A run's dead jobs back on the queue with fresh attempts; a failed run goes on
    /// running, and ends again when they do. Returns the jobs retried; nil when there
    /// is no such run. (An operator's retry and a finisher pass never cross: see
    /// `benefit.retry_run`.) A retry that put jobs back is recorded in the audit
    /// trail (`run.retry`, with how many) in the same transaction.
    ///
    /// - Throws: ``AuditError`` for a reason the audit trail refuses, before anything is sent.
    public static func retryDead(runID: Int, reason: String? = nil, by operatorName: String, on pool: PostgresPool) async throws -> [RetriedJob]? {
        let entry = try AuditEntry(.runRetry, target: String(runID), reason: reason, by: operatorName)
        do {
            return try await pool.transaction { transaction in
                let retried = try RetriedJob.all(in: try await transaction.query(RunQueries.retry(runID: runID)))
                if !retried.isEmpty { try await AuditTrail.record(entry.adding(["jobs": .integer(retried.count)]), on: transaction) }
                return retried
            }
        } catch let error as PostgresError where error.sqlState == "P0002" {
            return nil
        }
    }

    /// A dead job back on the queue with fresh attempts; the failed run it belongs
    /// to, if any, goes on running. Empty when the job is not dead. A retry is
    /// recorded in the audit trail (`job.retry`) in the same transaction.
    ///
    /// - Throws: ``AuditError`` for a reason the audit trail refuses, before anything is sent.
    public static func retryDead(jobID: Int, reason: String? = nil, by operatorName: String, on pool: PostgresPool) async throws -> [RetriedJob] {
        let entry = try AuditEntry(.jobRetry, target: String(jobID), reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            let retried = try RetriedJob.all(in: try await transaction.query(RunQueries.retry(jobID: jobID)))
            if !retried.isEmpty { try await AuditTrail.record(entry, on: transaction) }
            return retried
        }
    }
}
