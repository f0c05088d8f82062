import PostgresClient

/// The statements on `benefit.process` (migration 0012), run by ``ProcessRegistration``.
enum ProcessQueries {
    static func register(_ process: ProcessDescription, heartbeatTimeout: Duration) -> PostgresQuery {
        """
        SELECT process_id, secret::text FROM benefit.register_process(
            \(process.role.rawValue), \(process.identity.name), \(process.identity.host), \(process.identity.pid)::integer,
            \(process.version), \(process.queues)::text[], \(process.concurrency)::integer,
            \(heartbeatTimeout.wholeMilliseconds) * interval '1 millisecond')
        """
    }

    static func heartbeat(id: Int, secret: String, state: ProcessState) -> PostgresQuery {
        "SELECT benefit.process_heartbeat(\(id), \(secret)::uuid, \(state.rawValue))"
    }

    static func stopped(id: Int, secret: String) -> PostgresQuery {
        "SELECT benefit.process_stopped(\(id), \(secret)::uuid)"
    }

    static func prune(retention: Duration) -> PostgresQuery {
        "SELECT benefit.prune_processes(\(retention.wholeMilliseconds) * interval '1 millisecond')"
    }
}
