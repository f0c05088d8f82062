import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// The queue's public API: enqueue, and what producers and operators do with
/// jobs afterwards (cancel, retry, count by group, list the dead). The
/// attempts' own statements (claim, heartbeat, complete, fail, release) are in
/// `JobQueue+Attempts.swift`.
///
/// Each operation is one statement or one short transaction (see ``JobQueries``).
/// Those taking a connection run inside the caller's transaction, so a producer's
/// own writes and its jobs commit together.
public struct JobQueue: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    // MARK: Enqueue

    /// Enqueues one job and returns its id; with a unique key held by a live job,
    /// returns that job's id instead (`inserted` false).
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> (id: Int, inserted: Bool) {
        try await pool.withConnection { try await Self.enqueue(job, on: $0) }
    }

    /// Enqueues inside the caller's transaction: the job exists only if it commits.
    @discardableResult
    public static func enqueue(_ job: NewJob, on connection: PostgresConnection) async throws -> (id: Int, inserted: Bool) {
        // Under READ COMMITTED, a competing insert of the same key that commits while
        // this one waits makes ours do nothing, yet stays invisible to this
        // statement's snapshot: look again with a fresh one. Prepared: a producer
        // enqueues one job at a time over and over, and its parsing and planning
        // took a third of its server time.
        for _ in 0..<10 {
            if let id = try await connection.query(JobQueries.insert([job]).prepared()).first(Int.self) { return (id, true) }
            if let key = job.uniqueKey, let id = try await connection.query(JobQueries.liveJob(uniqueKey: key)).first(Int.self) {
                return (id, false)
            }
        }
        throw PostgresError(code: .protocolViolation, message: "enqueue with unique key \(job.uniqueKey ?? "") kept racing: giving up")
    }

    /// Enqueues many jobs in one statement per 5,000 and returns the new ids
    /// (jobs whose unique key is live are skipped).
    ///
    /// The statements go in one pipeline, each made just before it is sent, so
    /// the server inserts one chunk while the next one's arrays are written here.
    /// They run in one transaction, the caller's or their own: a failure leaves
    /// none of them.
    @discardableResult
    public static func enqueueMany(_ jobs: [NewJob], on connection: PostgresConnection) async throws -> [Int] {
        let chunkSize = 5_000
        let chunks = (jobs.count + chunkSize - 1) / chunkSize
        let results = try await connection.pipeline(count: chunks) { index in
            let start = index * chunkSize
            return JobQueries.insert(Array(jobs[start..<min(start + chunkSize, jobs.count)]))
        }
        var ids: [Int] = []
        ids.reserveCapacity(jobs.count)
        for rows in results { ids += try rows.decode(Int.self) }
        return ids
    }

    /// Enqueues one job per row of `rows`, a query of `payload jsonb, reference bigint`
    /// over the producer's own tables, inside the caller's transaction: a fan-out
    /// of any size in one statement, the rows never leaving the server. Every job
    /// is `template` with the row's payload (the template's payload and unique key
    /// are not used). Returns each new job with its row's reference.
    public static func enqueue(
        _ template: NewJob, rows: PostgresQuery, on connection: PostgresConnection
    ) async throws -> [EnqueuedJob] {
        precondition(template.uniqueKey == nil, "a fan-out from a query takes a template without a unique key")
        return try await connection.query(JobQueries.insertSelected(template, rows: rows))
            .decode((Int, Int).self).map { EnqueuedJob(id: $0.0, reference: $0.1) }
    }

    /// What enqueuing copies of a job did.
    public enum CopiesEnqueued: Sendable, Equatable {
        /// One job, new.
        case one(id: Int)
        /// None: the job's unique key is held by this live job.
        case held(byJob: Int)
        /// That many new jobs.
        case many(count: Int)
    }

    /// `count` copies of `job`, checked first (``NewJob/validate(copies:)``): one
    /// enqueue, or one statement in which the server makes the copies (up to
    /// millions, without building them here).
    public func enqueue(copies count: Int, of job: NewJob) async throws -> CopiesEnqueued {
        try job.validate(copies: count)
        guard count > 1 else {
            let (id, inserted) = try await enqueue(job)
            return inserted ? .one(id: id) : .held(byJob: id)
        }
        return .many(count: try await pool.query(JobQueries.insertCopies(job, count: count)).single(Int.self))
    }

    /// Many jobs without unique keys, in one transaction: each queue is notified
    /// once per statement, delivered at commit. Returns the count.
    @discardableResult
    public func enqueueBulk(_ jobs: [NewJob]) async throws -> Int {
        precondition(jobs.allSatisfy { $0.uniqueKey == nil }, "enqueueBulk takes jobs without unique keys")
        return try await pool.transaction { try await Self.enqueueMany(jobs, on: $0).count }
    }

    // MARK: Producers and operators

    /// A dead job back to available with fresh attempts; empty when it is not dead.
    public func retryDead(jobID: Int) async throws -> [RetriedJob] {
        try await pool.withConnection { try await Self.retryDead(jobID: jobID, group: nil, on: $0) }
    }

    /// A group's dead jobs back to available with fresh attempts, inside the caller's transaction.
    public static func retryDead(group: String, on connection: PostgresConnection) async throws -> [RetriedJob] {
        try await retryDead(jobID: nil, group: group, on: connection)
    }

    private static func retryDead(jobID: Int?, group: String?, on connection: PostgresConnection) async throws -> [RetriedJob] {
        try RetriedJob.all(in: try await connection.query(JobQueries.retryDead(id: jobID, group: group)))
    }

    /// An operator cancels a job not yet finished; a running one's worker is fenced
    /// out. Recorded in the audit trail (`job.cancel`, with the reason) in the same
    /// transaction. False when it had already finished or does not exist (nothing
    /// is recorded).
    ///
    /// - Throws: ``AuditError`` for a reason the audit trail refuses, before anything is sent.
    public func cancel(jobID: Int, reason: String, by operatorName: String) async throws -> Bool {
        let entry = try AuditEntry(.jobCancel, target: String(jobID), reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            guard try await transaction.query(JobQueries.cancel(id: jobID)).single(Int.self) == 1 else { return false }
            try await AuditTrail.record(entry, on: transaction)
            return true
        }
    }

    /// Cancels a group's jobs that have not started, inside the caller's transaction;
    /// running ones end as their handlers decide. Returns how many were cancelled.
    public static func cancelAvailable(group: String, on connection: PostgresConnection) async throws -> Int {
        try await connection.query(JobQueries.cancelAvailable(group: group)).single(Int.self)
    }

    /// Whether each group has jobs that may still run, and jobs that died.
    public static func status(of groups: [String], on connection: PostgresConnection) async throws -> [String: GroupStatus] {
        guard !groups.isEmpty else { return [:] }
        var status: [String: GroupStatus] = [:]
        for (group, live, dead) in try await connection.query(JobQueries.groupStatus(groups)).decode((String, Bool, Bool).self) {
            status[group] = GroupStatus(hasLive: live, hasDead: dead)
        }
        return status
    }

    /// The dead-letter list, newest first; one group's when given.
    public func deadJobs(group: String? = nil, limit: Int) async throws -> [DeadJob] {
        try await pool.query(JobQueries.dead(group: group, limit: limit)).map(DeadJob.init(row:))
    }

    /// A job's state, or nil when there is no such job.
    public func state(of jobID: Int) async throws -> JobState? {
        try await pool.query(JobQueries.state(id: jobID)).first(String.self).flatMap(JobState.init(rawValue:))
    }
}
