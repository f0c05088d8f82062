import PostgresClient

/// The statements on `benefit.queue_pause` and `benefit.job_group_hold`
/// (migrations/0015_queue_pause.sql), named for who runs them.
///
/// Both tables are written only by 0014's functions, which run with the owner's
/// rights and which only `benefit_operator` may execute; the claim
/// (`benefit.claim_jobs`) reads them with its own. Reads here are plain SELECTs.
enum PauseQueries {
    // MARK: Paused queues (run by `benefit queues pause|resume|list`, `benefit status` and the console)

    /// Pauses a queue; false when it was paused already.
    static func pause(queue: String, reason: String, by operatorName: String) -> PostgresQuery {
        "SELECT benefit.pause_queue(\(queue), \(reason), \(operatorName))"
    }

    /// Lifts a queue's pause and wakes its workers at commit; false when it was not paused.
    static func resume(queue: String) -> PostgresQuery {
        "SELECT benefit.resume_queue(\(queue))"
    }

    /// Every paused queue, by name, with how long it has been paused by the database clock.
    static let pauses: PostgresQuery = """
        SELECT queue, reason, paused_by, db_user, paused_at, extract(epoch FROM now() - paused_at)::float8
        FROM benefit.queue_pause
        ORDER BY queue
        """

    /// One queue's pause, if it is paused (for operators' messages).
    static func pause(of queue: String) -> PostgresQuery {
        """
        SELECT queue, reason, paused_by, db_user, paused_at, extract(epoch FROM now() - paused_at)::float8
        FROM benefit.queue_pause
        WHERE queue = \(queue)
        """
    }

    // MARK: Held groups (run by producers in their own transactions: `campaign pause --hold-runs`, `campaign resume`)

    /// Holds groups; returns those newly held.
    static func hold(groups: [String]) -> PostgresQuery {
        "SELECT g FROM benefit.hold_job_groups(\(groups)::text[]) AS g ORDER BY g"
    }

    /// Releases groups and wakes the queues their jobs wait on, at commit; returns those released.
    static func release(groups: [String]) -> PostgresQuery {
        "SELECT g FROM benefit.release_job_groups(\(groups)::text[]) AS g ORDER BY g"
    }

    /// Every held group, with how long it has been held by the database clock (run by `benefit status`, `runs watch`, the console).
    static let heldGroups: PostgresQuery = """
        SELECT group_key, held_at, extract(epoch FROM now() - held_at)::float8
        FROM benefit.job_group_hold
        ORDER BY group_key
        """
}
