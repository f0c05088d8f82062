import PostgresClient

/// The statements on `benefit.console_user` (migration 0013), run by ``ConsoleUsers``
/// for `benefit users`. Every write goes through a function with the owner's
/// rights; the list reads the columns an operator may read (never the hash).
enum ConsoleUserQueries {
    /// Run by `users add`; a taken name raises 23505.
    static func add(name: String, role: ConsoleRole, passwordHash: String) -> PostgresQuery {
        "SELECT user_id FROM benefit.console_user_add(\(name), \(role.rawValue), \(passwordHash))"
    }

    /// Run by `users disable`: no row when there is no such user.
    static func disable(name: String) -> PostgresQuery {
        "SELECT newly_disabled FROM benefit.console_user_disable(\(name))"
    }

    /// Run by `users passwd`: false when there is no such user.
    static func setPassword(name: String, passwordHash: String) -> PostgresQuery {
        "SELECT benefit.console_user_set_password(\(name), \(passwordHash))"
    }

    /// Run by `users list`, and by the commands that return the user they changed.
    static func list(name: String? = nil) -> PostgresQuery {
        """
        SELECT id, name, role, disabled_at, created_at, last_login_at
        FROM benefit.console_user
        WHERE \(name)::text IS NULL OR name = \(name)::text
        ORDER BY name
        """
    }
}
