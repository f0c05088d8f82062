import PostgresClient

/// The statements on `benefit.console_session` and `benefit.console_login_attempt`
/// (migration 0013), run by ``ConsoleSessions`` for the console: all through
/// functions with the owner's rights, since no other role reads those tables.
enum ConsoleSessionQueries {
    /// Run when the login form is submitted, before the password is checked: the
    /// attempt's id and the name's hash, or how long until one more attempt is
    /// allowed (in whole milliseconds, at least 1).
    static func beginLogin(name: String, client: String, limits: ConsoleSessions.Configuration) -> PostgresQuery {
        """
        SELECT attempt_id, password_hash,
               CASE WHEN retry_after IS NOT NULL THEN greatest(ceil(extract(epoch FROM retry_after) * 1000), 1)::bigint END
        FROM benefit.console_login_begin(
            \(name), \(client), \(limits.failureWindow.wholeMilliseconds) * interval '1 millisecond',
            \(limits.failuresPerName)::integer, \(limits.failuresPerClient)::integer)
        """
    }

    /// Run once the password of the attempt was found right: the user and the new
    /// session's expiry; no row when the user was disabled or re-passworded meanwhile.
    static func openSession(attempt: Int, tokenHash: String, csrfToken: String, limits: ConsoleSessions.Configuration) -> PostgresQuery {
        """
        SELECT user_id, name, role, NULL::timestamptz, created_at, last_login_at, expires_at
        FROM benefit.console_login_succeeded(
            \(attempt), \(tokenHash), \(csrfToken), \(limits.idleTimeout.wholeMilliseconds) * interval '1 millisecond',
            \(limits.absoluteTimeout.wholeMilliseconds) * interval '1 millisecond')
        """
    }

    /// Run for every request that carries a session cookie: the live session, its expiry moved on.
    static func touch(tokenHash: String, limits: ConsoleSessions.Configuration) -> PostgresQuery {
        """
        SELECT user_id, name, role, NULL::timestamptz, created_at, last_login_at, csrf_token, expires_at
        FROM benefit.console_session_touch(\(tokenHash), \(limits.idleTimeout.wholeMilliseconds) * interval '1 millisecond')
        """
    }

    /// Run when a user signs out.
    static func end(tokenHash: String) -> PostgresQuery {
        "SELECT benefit.console_session_end(\(tokenHash))"
    }
}
