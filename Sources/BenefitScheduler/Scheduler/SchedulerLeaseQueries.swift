import PostgresClient

/// The statements on `benefit.scheduler_lease`, run by ``LeaderElector``.
enum SchedulerLeaseQueries {
    /// Inserts the row, or takes it over when it is ours or expired; returns a row only on success.
    static func acquire(holder: String, leaseMilliseconds: Int) -> PostgresQuery {
        """
        INSERT INTO benefit.scheduler_lease AS l (singleton, holder, expires_at)
        VALUES (true, \(holder), now() + \(leaseMilliseconds) * interval '1 millisecond')
        ON CONFLICT (singleton) DO UPDATE
        SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
            term = CASE WHEN l.holder = EXCLUDED.holder THEN l.term ELSE l.term + 1 END
        WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
        RETURNING holder
        """
    }

    static func resign(holder: String) -> PostgresQuery {
        "UPDATE benefit.scheduler_lease SET expires_at = now() WHERE holder = \(holder)"
    }
}
