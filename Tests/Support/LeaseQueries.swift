import PostgresClient

/// What tests ask of the queue's leases.
public enum LeaseQueries {
    /// How many running jobs (of the worker with process id `pid`, when given) have
    /// had their lease extended by a heartbeat since their claim: their worker got
    /// the claim's answer and runs their handlers.
    public static func extendedByAHeartbeat(pid: Int? = nil) -> PostgresQuery {
        """
        SELECT count(*) FROM benefit.job j JOIN benefit.job_attempt a ON a.lease_token = j.lease_token
        WHERE j.state = 'running' AND (\(pid)::integer IS NULL OR a.pid = \(pid)::integer)
          AND j.lease_expires_at > a.started_at + j.lease_ms * interval '1 millisecond'
        """
    }
}
