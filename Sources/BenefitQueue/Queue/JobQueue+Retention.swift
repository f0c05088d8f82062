import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// What a prune removed (or, in a dry run, would remove).
public struct PruneResult: Sendable, Equatable {
    /// One month of attempts dropped whole: a partition of `benefit.job_attempt` (0019).
    public struct Partition: Sendable, Equatable {
        public var name: String
        /// The attempts it held.
        public var attempts: Int

        public init(name: String, attempts: Int) {
            self.name = name
            self.attempts = attempts
        }
    }

    /// Finished jobs deleted.
    public var jobs = 0
    /// Their attempts still in the table, deleted with them (row by row).
    public var attempts = 0
    /// The cutoff: jobs that finished before it went. Nil when nothing was asked of the database.
    public var finishedBefore: Date?
    /// Partitions dropped first, oldest first: every attempt started in a month
    /// that ended before the cutoff, whatever its job.
    public var partitions: [Partition] = []

    public init(jobs: Int = 0, attempts: Int = 0, finishedBefore: Date? = nil, partitions: [Partition] = []) {
        self.jobs = jobs
        self.attempts = attempts
        self.finishedBefore = finishedBefore
        self.partitions = partitions
    }
}

extension JobQueue {
    /// The shortest retention the database accepts: a shorter one counts as this
    /// long, so a run that is still finishing never loses its jobs.
    public static let shortestRetention: Duration = .seconds(3_600)

    /// Prunes history older than `olderThan`, in two steps:
    ///
    /// 1. drops the attempts' monthly partitions that ended before the cutoff, each
    ///    a whole month of attempts at once (``dropAttemptPartitions(olderThan:dryRun:by:)``);
    /// 2. deletes finished jobs (succeeded, dead, cancelled) that finished before it,
    ///    with what is left of their attempts, in chunks of at most `chunk` jobs, each
    ///    its own short transaction, oldest first.
    ///
    /// Never a job that may still run, never an effect. An operator's prune (`by`
    /// given) records `job.prune` in the audit trail in each step's transaction,
    /// with what it deleted; the leading scheduler's (`by` nil) records nothing.
    /// With `dryRun`, counts what would go and writes nothing (a job's attempts are
    /// then counted whether or not their partition would go too).
    ///
    /// - Parameter maxChunks: stop after this many chunks (the leader's bound per pass); nil: until none is left.
    /// - Parameter dropsPartitions: false skips step 1 (the leader's later chunks in a pass).
    public func prune(
        olderThan: Duration, chunk: Int = 10_000, maxChunks: Int? = nil, dryRun: Bool = false, dropsPartitions: Bool = true,
        by operatorName: String? = nil
    ) async throws -> PruneResult {
        precondition(chunk >= 1, "a prune chunk holds at least one job")
        let partitions = dropsPartitions ? try await dropAttemptPartitions(olderThan: olderThan, dryRun: dryRun, by: operatorName) : []
        if dryRun {
            let (jobs, attempts, before) = try await pool.query(JobQueries.prune(olderThan: olderThan, limit: 1, dryRun: true))
                .single((Int, Int, Date).self)
            return PruneResult(jobs: jobs, attempts: attempts, finishedBefore: before, partitions: partitions)
        }
        var total = PruneResult(partitions: partitions)
        var chunks = 0
        while maxChunks.map({ chunks < $0 }) ?? true {
            chunks += 1
            let done = try await pool.transaction { transaction in
                let (jobs, attempts, before) = try await transaction.query(JobQueries.prune(olderThan: olderThan, limit: chunk, dryRun: false))
                    .single((Int, Int, Date).self)
                if jobs > 0, let operatorName {
                    let entry = try AuditEntry(
                        .jobPrune, target: TimestampText.format(before), reason: nil, by: operatorName,
                        details: ["jobs": .integer(jobs), "attempts": .integer(attempts)])
                    try await AuditTrail.record(entry, on: transaction)
                }
                return PruneResult(jobs: jobs, attempts: attempts, finishedBefore: before)
            }
            total.jobs += done.jobs
            total.attempts += done.attempts
            total.finishedBefore = total.finishedBefore ?? done.finishedBefore
            if done.jobs < chunk { break }
        }
        return total
    }

    /// Drops, in one transaction, the attempts' partitions that ended more than
    /// `olderThan` ago, except one holding a running job's attempt or one whose lock
    /// is not granted within a second (left for the next pass); see
    /// migrations/0019_attempt_partitions.sql. An operator's drop records one
    /// `job.prune` per partition, naming it.
    public func dropAttemptPartitions(olderThan: Duration, dryRun: Bool = false, by operatorName: String? = nil) async throws -> [PruneResult.Partition] {
        try await pool.transaction { transaction in
            let dropped = try await transaction.query(JobQueries.dropAttemptPartitions(olderThan: olderThan, dryRun: dryRun))
                .decode((String, Int).self).map { PruneResult.Partition(name: $0.0, attempts: $0.1) }
            if !dryRun, let operatorName {
                for partition in dropped {
                    let entry = try AuditEntry(
                        .jobPrune, target: partition.name, reason: nil, by: operatorName,
                        details: ["attempts": .integer(partition.attempts)])
                    try await AuditTrail.record(entry, on: transaction)
                }
            }
            return dropped
        }
    }

    /// Makes the attempts' partitions of this month and the next `months` that
    /// are missing (every worker does, hourly); returns their names.
    @discardableResult
    public func extendAttemptPartitions(months: Int = 3) async throws -> [String] {
        try await pool.query(JobQueries.extendAttemptPartitions(months: months)).decode(String.self)
    }
}
