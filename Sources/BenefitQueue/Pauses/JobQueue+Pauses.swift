import BenefitAudit
import Foundation
import PostgresClient

/// Pausing queues and holding groups: what the claim leaves alone until an
/// operator lifts it (migrations/0015_queue_pause.sql says how the claim obeys).
extension JobQueue {
    // MARK: Queues

    /// Pauses a queue on every host: from the commit on, no worker claims its jobs
    /// (the claim itself leaves them out, whatever the worker asks for); jobs
    /// already running finish, and new ones may still be enqueued. Recorded in the
    /// audit trail (`queue.pause`, with the reason) in the same transaction. False
    /// when it was paused already (nothing is recorded).
    ///
    /// - Throws: ``InvalidJob`` (field `queue`) for a name no queue can have, and
    ///   ``AuditError`` for a reason the audit trail refuses, before anything is sent.
    public func pause(queue: String, reason: String, by operatorName: String) async throws -> Bool {
        if let problem = NewJob.queueNameProblem(queue) { throw InvalidJob(.queue, problem) }
        let entry = try AuditEntry(.queuePause, target: queue, reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            guard try await transaction.query(PauseQueries.pause(queue: queue, reason: reason, by: operatorName)).single(Bool.self) else {
                return false
            }
            try await AuditTrail.record(entry, on: transaction)
            return true
        }
    }

    /// Lifts a queue's pause; its idle workers are woken at the commit and claim
    /// at once. Recorded in the audit trail (`queue.resume`, with the reason if
    /// given) in the same transaction. False when it was not paused.
    ///
    /// - Throws: ``AuditError`` for a reason the audit trail refuses, before anything is sent.
    public func resume(queue: String, reason: String? = nil, by operatorName: String) async throws -> Bool {
        let entry = try AuditEntry(.queueResume, target: queue, reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            guard try await transaction.query(PauseQueries.resume(queue: queue)).single(Bool.self) else { return false }
            try await AuditTrail.record(entry, on: transaction)
            return true
        }
    }

    /// Every paused queue, by name.
    public func pauses() async throws -> [QueuePause] {
        try await pool.query(PauseQueries.pauses).map(QueuePause.init(row:))
    }

    /// A queue's pause, or nil when it is not paused.
    public func pause(of queue: String) async throws -> QueuePause? {
        try await pool.query(PauseQueries.pause(of: queue)).first.map(QueuePause.init(row:))
    }

    /// How many of a queue's jobs are running now (what a pause lets finish).
    public func runningJobs(queue: String) async throws -> Int {
        try await pool.query(JobQueries.running(queue: queue)).single(Int.self)
    }

    // MARK: Groups

    /// Holds groups inside the caller's transaction: once it commits, their jobs
    /// that wait (or come to wait: a retry, a new job of the group) are not claimed
    /// until released; running ones go on. Returns the groups newly held.
    @discardableResult
    public static func hold(groups: [String], on connection: PostgresConnection) async throws -> [String] {
        guard !groups.isEmpty else { return [] }
        return try await connection.query(PauseQueries.hold(groups: groups)).decode(String.self)
    }

    /// Releases held groups inside the caller's transaction; the queues their jobs
    /// wait on are woken at the commit. Returns the groups released.
    @discardableResult
    public static func release(groups: [String], on connection: PostgresConnection) async throws -> [String] {
        guard !groups.isEmpty else { return [] }
        return try await connection.query(PauseQueries.release(groups: groups)).decode(String.self)
    }

    /// Every held group, by key, inside the caller's transaction.
    public static func heldGroups(on connection: PostgresConnection) async throws -> [HeldGroup] {
        try heldGroups(in: try await connection.query(PauseQueries.heldGroups))
    }

    /// Every held group, by key.
    public func heldGroups() async throws -> [HeldGroup] {
        try Self.heldGroups(in: try await pool.query(PauseQueries.heldGroups))
    }

    private static func heldGroups(in rows: PostgresRows) throws -> [HeldGroup] {
        try rows.decode((String, Date, Double).self).map { HeldGroup(group: $0.0, heldAt: $0.1, heldSeconds: $0.2) }
    }
}
