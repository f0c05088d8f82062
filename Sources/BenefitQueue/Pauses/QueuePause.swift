import Foundation
import PostgresClient

/// A paused queue: no worker on any host claims its jobs until it is resumed
/// (`benefit queues pause`). One row of `benefit.queue_pause`.
public struct QueuePause: Sendable, Codable, Equatable {
    public let queue: String
    /// Why, as the operator said it.
    public let reason: String
    /// Who paused it, as the client said it: the OS `user@host`, or a console's user.
    public let pausedBy: String
    /// The login that paused it, as the database knows it.
    public let databaseUser: String
    public let pausedAt: Date
    /// Seconds since it was paused, by the database clock.
    public let pausedSeconds: Double

    enum CodingKeys: String, CodingKey {
        case queue, reason, pausedBy = "paused_by", databaseUser = "db_user", pausedAt = "paused_at", pausedSeconds = "paused_seconds"
    }

    /// Decodes a row of `queue, reason, paused_by, db_user, paused_at, seconds` (``PauseQueries``).
    init(row: PostgresRow) throws {
        (queue, reason, pausedBy, databaseUser, pausedAt, pausedSeconds) = try row.decode((String, String, String, String, Date, Double).self)
    }
}

/// A held group: its jobs that wait are not claimed, on any queue, until it is
/// released; its running jobs go on (`benefit campaign pause --hold-runs` holds
/// the groups of a campaign's runs). One row of `benefit.job_group_hold`.
public struct HeldGroup: Sendable, Equatable {
    public let group: String
    public let heldAt: Date
    /// Seconds since it was held, by the database clock.
    public let heldSeconds: Double
}
