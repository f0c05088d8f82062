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

/// Where a job is in its life.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case available, running, succeeded, dead, cancelled
}

/// A job to put on the queue.
public struct NewJob: Sendable {
    /// Which handler runs it (`noop`, `relief.batch`, ...).
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
    /// The campaign run this job belongs to, if any.
    public var runID: Int?
    /// The campaign it belongs to, if any.
    public var campaignID: Int?
    /// At most this many of the campaign's jobs run at once, across all workers.
    public var concurrencyLimit: Int?

    public init(
        kind: String, payload: String = "{}", queue: String = "default", priority: Int = 0, runAt: Date? = nil,
        maxAttempts: Int = 5, lease: Duration = .seconds(60),
        backoffInitial: Duration = .seconds(10), backoffMax: Duration = .seconds(600),
        uniqueKey: String? = nil, runID: Int? = nil, campaignID: Int? = nil, concurrencyLimit: Int? = nil
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
        self.runID = runID
        self.campaignID = campaignID
        self.concurrencyLimit = concurrencyLimit
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
    public let lease: Duration
    public let backoffInitial: Duration
    public let backoffMax: Duration
    public let runID: Int?

    /// Decodes the JSON payload.
    public func decodePayload<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload.utf8))
        } catch {
            throw PermanentFailure("job \(id) (\(kind)): payload does not match \(T.self): \(error)")
        }
    }
}

/// A job that gave up: its attempts are used up, or its error was permanent.
public struct DeadJob: Sendable, Equatable {
    public let jobID: Int
    public let queue: String
    public let kind: String
    public let attempts: Int
    public let lastError: String?
    public let diedAt: Date

    init(row: PostgresRow) throws {
        (jobID, queue, kind, attempts, lastError, diedAt) = try row.decode((Int, String, String, Int, String?, Date).self)
    }
}
