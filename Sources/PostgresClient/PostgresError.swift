import Foundation

/// An error from the PostgreSQL client: a code, and the server's SQLSTATE, message and detail.
///
/// `description` is safe to show and to log: it never contains bind values or a
/// password. The server's `detail` (which can quote row values, as in
/// `Key (member_id)=(M-1) already exists`) and the statement's SQL text are kept
/// for `debugDescription`.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as a small set of codes; more may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case connectionFailed, connectionClosed, server, invalidValue, decoding
            case protocolViolation, copyFailed, invalidConfiguration
        }
        let base: Base
        private init(_ base: Base) { self.base = base }

        /// Could not open a connection.
        public static let connectionFailed = Code(.connectionFailed)
        /// An open connection broke (server restart, network cut).
        public static let connectionClosed = Code(.connectionClosed)
        /// The server reported an error; see `sqlState`.
        public static let server = Code(.server)
        /// A value could not be sent (for example a string with a NUL byte).
        public static let invalidValue = Code(.invalidValue)
        /// A column could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// libpq or the server did something this client did not expect.
        public static let protocolViolation = Code(.protocolViolation)
        /// A COPY was aborted or refused.
        public static let copyFailed = Code(.copyFailed)
        /// The connection URL or conninfo string is malformed.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The five-character SQLSTATE the server sent, if any.
    public var sqlState: String?
    /// The primary message: one line, no row values.
    public var message: String
    /// The server's detail, which may quote row values: shown only in `debugDescription`.
    public var detail: String?
    /// The server's hint, if any.
    public var hint: String?
    /// The SQL text of the statement (never its bind values), for `debugDescription`.
    public var sql: String?

    public init(code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.sql = sql
    }

    public var description: String {
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }

    public var debugDescription: String {
        var parts = ["PostgresError(\(code)): \(description)"]
        if let detail { parts.append("detail: \(detail)") }
        if let hint { parts.append("hint: \(hint)") }
        if let sql { parts.append("sql: \(sql)") }
        return parts.joined(separator: "\n  ")
    }

    /// libpq's message as one line: its messages can span lines ("...failed: Connection
    /// refused\n\tIs the server running...?", "root certificate file ... does not
    /// exist\nEither provide the file or..."), and an error here is printed on one,
    /// its lines kept apart by "; ".
    static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }

    /// True when the connection itself failed, so a retry on a new connection may succeed.
    public var isConnectionLoss: Bool {
        if code == .connectionFailed || code == .connectionClosed { return true }
        guard let sqlState else { return false }
        // Class 08: connection exception; 57P01-57P03: admin/crash shutdown, cannot connect now.
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// True for serialization failures and deadlocks, which a transaction may simply retry.
    public var isTransient: Bool {
        sqlState == "40001" || sqlState == "40P01"
    }

    /// True when a CHECK constraint refused a row.
    public var isCheckViolation: Bool { sqlState == "23514" }

    /// True when a unique constraint was violated.
    public var isUniqueViolation: Bool { sqlState == "23505" }
}
