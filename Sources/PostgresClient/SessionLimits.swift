/// Bounds on every wait of a session, so that a stalled peer frees what it holds
/// in bounded time: set by the daemons (`benefit worker`, `benefit scheduler`)
/// on every connection they open. Documented for operators in docs/operations.md.
public struct SessionLimits: Sendable, Equatable {
    /// A statement running longer is cancelled by the server. Default 10 min: well
    /// above the longest statement the product runs (a large run's planning).
    public var statementTimeout: Duration = .seconds(600)
    /// A wait for a lock longer is an error (the caller retries). Default 30 s.
    public var lockTimeout: Duration = .seconds(30)
    /// A session idle inside a transaction longer is ended by the server, and its
    /// locks freed: what bounds a frozen or cut-off client. Default 60 s; a fenced
    /// commit lowers it to its job's lease for its own transaction.
    public var idleInTransactionTimeout: Duration = .seconds(60)
    /// TCP keepalives, on both ends: a peer silent this long is probed every
    /// `keepaliveInterval`, and given up after `keepaliveCount` unanswered probes.
    /// Defaults 10 s, 5 s and 3 (a dead peer noticed within about 25 s).
    public var keepaliveIdle: Duration = .seconds(10)
    public var keepaliveInterval: Duration = .seconds(5)
    public var keepaliveCount = 3
    /// Data sent and not acknowledged this long ends the connection (Linux). Default 30 s.
    public var unacknowledgedTimeout: Duration = .seconds(30)

    public init() {}

    /// Server settings, sent as `options` at connect (`-c name=value`).
    var serverSettings: [(name: String, value: String)] {
        [
            ("statement_timeout", "\(statementTimeout.wholeMilliseconds)"),
            ("lock_timeout", "\(lockTimeout.wholeMilliseconds)"),
            ("idle_in_transaction_session_timeout", "\(idleInTransactionTimeout.wholeMilliseconds)"),
            ("tcp_keepalives_idle", "\(keepaliveIdle.wholeSeconds)"),
            ("tcp_keepalives_interval", "\(keepaliveInterval.wholeSeconds)"),
            ("tcp_keepalives_count", "\(keepaliveCount)"),
            ("tcp_user_timeout", "\(unacknowledgedTimeout.wholeMilliseconds)"),
        ]
    }

    /// libpq's own connection parameters for the client's end.
    var clientParameters: [(key: String, value: String)] {
        [
            ("keepalives", "1"),
            ("keepalives_idle", "\(keepaliveIdle.wholeSeconds)"),
            ("keepalives_interval", "\(keepaliveInterval.wholeSeconds)"),
            ("keepalives_count", "\(keepaliveCount)"),
            ("tcp_user_timeout", "\(unacknowledgedTimeout.wholeMilliseconds)"),
        ]
    }
}

extension Duration {
    /// Whole seconds, at least 1 (keepalive settings take seconds).
    var wholeSeconds: Int { max(1, Int(components.seconds)) }
}
