import BenefitCore
import Foundation
import PostgresClient

/// A job's lease token: taken from `benefit.lease_token_seq` at each claim, strictly increasing.
///
/// A job's effects commit only while the job still carries the token its
/// attempt was given (the fence).
public struct LeaseToken: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static func < (lhs: LeaseToken, rhs: LeaseToken) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// One attempt's hold on a job: the job, the lease token its claim was given, and
/// the secret that proves the holder is the claimer. What every statement that
/// ends or extends an attempt is fenced on; the secret is never printed.
public struct LeaseKey: Hashable, Sendable, CustomStringConvertible {
    public let jobID: Int
    public let token: LeaseToken
    /// Random, given to the claimer alone; the database keeps it from every role but its owner.
    public let secret: UUID

    public init(jobID: Int, token: LeaseToken, secret: UUID) {
        self.jobID = jobID
        self.token = token
        self.secret = secret
    }

    public var description: String { "job \(jobID) lease \(token)" }
}

/// Where a job is in its life.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case available, running, succeeded, dead, cancelled
}

/// How an attempt ended, as `benefit.job_attempt.outcome` records it.
public enum AttemptOutcome: String, Sendable, Codable, CaseIterable {
    /// Not ended yet.
    case running
    /// Its job's completion committed (with its effects, if any).
    case succeeded
    /// It failed; the job runs again after a backoff delay.
    case retry
    /// It failed for good: attempts used up, or an error no retry can fix.
    case dead
    /// Its worker stopped heartbeating; a rescuer took the job back.
    case leaseExpired = "lease_expired"
    /// Given back at worker shutdown, not counted as an attempt.
    case released
    /// It tried to end after losing its lease: nothing it wrote was committed.
    case fenced
    /// Its handler found the job's work no longer wanted (``JobCancelled``); the job is cancelled.
    case cancelled
    /// Its handler ran past the job's timeout and was stopped; the job runs again
    /// after a backoff delay, or is dead when its attempts are used up.
    case timedOut = "timed_out"
}

/// A job to put on the queue.
public struct NewJob: Sendable, Equatable {
    /// Which handler runs it (`noop`, `probe`, ...).
    public var kind: String
    /// Arguments for the handler, as JSON text.
    public var payload: String
    /// Default `default`.
    public var queue: String
    /// Lower runs first. Default 0.
    public var priority: Int
    /// Not claimed before this instant. Default: now.
    public var runAt: Date?
    /// Tries before the job is dead. Default 5.
    public var maxAttempts: Int
    /// How long a claim lasts without a heartbeat. Default 60 s.
    public var lease: Duration
    /// First retry delay bound, doubled per attempt up to `backoffMax`. Default 10 s and 10 min.
    public var backoffInitial: Duration
    public var backoffMax: Duration
    /// While a job with this key is available or running, enqueuing the key again returns that job.
    public var uniqueKey: String?
    /// A label the producer gives related jobs, to cancel, retry and count them together (``JobQueue/cancelAvailable(group:on:)``).
    public var group: String?
    /// At most `limit` jobs of the same concurrency group run at once, across all workers.
    public var concurrency: ConcurrencyGroup?
    /// How long one attempt's handler may run, from its start; past it the worker
    /// stops the handler and the attempt ends `timed_out`. Default none.
    public var timeout: Duration?

    public init(
        kind: String, payload: String = "{}", queue: String = "default", priority: Int = 0, runAt: Date? = nil,
        maxAttempts: Int = 5, lease: Duration = .seconds(60),
        backoffInitial: Duration = .seconds(10), backoffMax: Duration = .seconds(600),
        uniqueKey: String? = nil, group: String? = nil, concurrency: ConcurrencyGroup? = nil, timeout: Duration? = nil
    ) {
        self.kind = kind
        self.payload = payload
        self.queue = queue
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.lease = lease
        self.backoffInitial = backoffInitial
        self.backoffMax = backoffMax
        self.uniqueKey = uniqueKey
        self.group = group
        self.concurrency = concurrency
        self.timeout = timeout
    }
}

extension NewJob {
    /// Whether `other` is this job but for its payload.
    func isAlike(_ other: NewJob) -> Bool {
        var other = other
        other.payload = payload
        return other == self
    }
}

/// Jobs that share a key and a limit: at most `limit` of them run at once, across all workers.
public struct ConcurrencyGroup: Sendable, Hashable {
    public var key: String
    public var limit: Int

    public init(key: String, limit: Int) {
        self.key = key
        self.limit = limit
    }
}

/// A job a worker claimed: what the handler needs, and the lease it runs under.
public struct ClaimedJob: Sendable, Identifiable {
    public let id: Int
    public let queue: String
    public let kind: String
    public let payload: String
    /// This attempt's number, from 1.
    public let attempt: Int
    public let maxAttempts: Int
    public let leaseToken: LeaseToken
    /// The lease's secret (see ``LeaseKey``).
    let leaseSecret: UUID
    /// How long the lease lasts without a heartbeat.
    public let leaseDuration: Duration
    public let backoffInitial: Duration
    public let backoffMax: Duration
    /// The group its producer put it in, if any.
    public let group: String?
    /// How long its handler may run (``NewJob/timeout``), or nil for no limit.
    public let timeout: Duration?

    /// This attempt's hold on the job.
    public var leaseKey: LeaseKey { LeaseKey(jobID: id, token: leaseToken, secret: leaseSecret) }

    /// Decodes the JSON payload.
    public func decodePayload<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload.utf8))
        } catch {
            throw PermanentFailure("job \(id) (\(kind)): payload \(PayloadText.describe(error, decoding: T.self))")
        }
    }
}

/// A job that gave up: its attempts are used up, or its error was permanent.
public struct DeadJob: Sendable, Equatable {
    public let jobID: Int
    public let queue: String
    public let kind: String
    public let group: String?
    public let attempts: Int
    public let lastError: String?
    public let diedAt: Date

    init(row: PostgresRow) throws {
        (jobID, queue, kind, group, attempts, lastError, diedAt) =
            try row.decode((Int, String, String, String?, Int, String?, Date).self)
    }
}

/// Where a group's jobs stand: whether any may still run, whether any died.
public struct GroupStatus: Sendable, Equatable {
    /// Some job of the group is available or running.
    public var hasLive: Bool
    /// Some job of the group is dead.
    public var hasDead: Bool

    public init(hasLive: Bool, hasDead: Bool) {
        self.hasLive = hasLive
        self.hasDead = hasDead
    }
}

/// A job enqueued from a row of a query, with the reference the row gave it.
public struct EnqueuedJob: Sendable, Equatable {
    public let id: Int
    public let reference: Int
}

/// A dead job put back on the queue, with its group.
public struct RetriedJob: Sendable, Equatable {
    public let id: Int
    public let group: String?

    public init(id: Int, group: String?) {
        self.id = id
        self.group = group
    }

    /// The jobs a retry returned as rows of `id, group_key` (the queue's
    /// `retry_dead_jobs`, and the runs layer's functions that call it).
    public static func all(in rows: PostgresRows) throws -> [RetriedJob] {
        try rows.decode((Int, String?).self).map { RetriedJob(id: $0.0, group: $0.1) }
    }
}
