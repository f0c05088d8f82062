import CPostgres
import Foundation

/// Where and how to connect: a libpq URL (`postgresql://user@host:5432/db`) or a
/// conninfo string (`host=... dbname=...`).
///
/// The printed form lists host, port, database, user and the TLS mode and root
/// certificate only: a password in the URL never reaches a log line or an error
/// message.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// The URL or conninfo string as given. Contains the password, if any: never print it.
    let conninfo: String
    /// Parameters that override the ones in `conninfo` (a test's own database, say).
    private(set) var overrides: [(key: String, value: String)] = []
    private let parsed: [String: String]
    /// Sent as `fallback_application_name`, so `pg_stat_activity` shows who is connected.
    public var applicationName = "benefit"
    /// Bounds every session of this configuration sets at connect, if any.
    public var limits: SessionLimits?
    /// Whether connections go through a proxy in transaction pooling mode
    /// (PgBouncer's `pool_mode = transaction`), which lends each transaction
    /// whichever server session is free. Default false.
    ///
    /// Such a proxy refuses session settings sent at connect (`options`), and a
    /// setting made on one server session would not follow the connection to the
    /// next. So a pooled connection sends none: it sets only what the proxy itself
    /// keeps per client and sets again on every server session it lends
    /// (``SessionSettings/pooled``), and the server settings of `limits` are left
    /// to the login and the proxy (docs/operations.md, Behind PgBouncer).
    public var transactionPooling = false
    /// Whether every session starts with `default_transaction_read_only = on`, so
    /// that a write fails ("cannot execute ... in a read-only transaction") on a
    /// primary as it does on a hot standby: for connections meant only to read
    /// (`--read-url`). Default false. Not sent with ``transactionPooling``.
    public var readOnly = false

    /// Parses the URL or conninfo; a malformed one is an error that quotes none of
    /// it but libpq's keywords (``ConnectionStringProblem``, then
    /// ``ConnectionSecrets/redact(_:conninfo:)``), so never a password.
    public init(_ conninfo: String) throws {
        if let problem = ConnectionStringProblem.misplacedSeparator(in: conninfo) {
            throw PostgresError(code: .invalidConfiguration, message: "invalid database URL: \(problem)")
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            var reason = "out of memory"
            if let errorMessage {
                reason = ConnectionStringProblem(libpqMessage: String(cString: errorMessage), input: conninfo).description
                PQfreemem(errorMessage)
            }
            throw PostgresError(
                code: .invalidConfiguration, message: "invalid database URL: \(ConnectionSecrets.redact(reason, conninfo: conninfo))")
        }
        defer { PQconninfoFree(options) }
        var parsed: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { parsed[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        self.conninfo = conninfo
        self.parsed = parsed
    }

    /// Every parameter set (by the URL or conninfo, or by overrides) as one
    /// keyword/value conninfo string, password included: for handing the same
    /// database to a child process through its environment, never for printing.
    public var secretConnectionString: String {
        var parts: [String] = []
        for key in Set(parsed.keys).union(overrides.map(\.key)).sorted() {
            guard let value = parameter(key) else { continue }
            // conninfo quoting: single quotes, with backslash escaping ' and \.
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            parts.append("\(key)='\(escaped)'")
        }
        return parts.joined(separator: " ")
    }

    /// The same server and credentials, another database.
    public func with(database: String) -> PostgresConfiguration {
        overriding("dbname", with: database)
    }

    /// The same server and database, another role (its password, if it needs one, from libpq's usual sources).
    public func with(user: String) -> PostgresConfiguration {
        overriding("user", with: user)
    }

    /// The same database and credentials at another address (a proxy, say). A
    /// `hostaddr` in the URL still wins over `host`, as libpq decides.
    public func with(host: String, port: Int) -> PostgresConfiguration {
        overriding("host", with: host).overriding("port", with: String(port))
    }

    private func overriding(_ key: String, with value: String) -> PostgresConfiguration {
        var copy = self
        copy.overrides.removeAll { $0.key == key }
        copy.overrides.append((key: key, value: value))
        return copy
    }

    /// A connection parameter as it will be used (after overrides).
    public func parameter(_ key: String) -> String? {
        overrides.last { $0.key == key }?.value ?? parsed[key]
    }

    /// Keywords and values for `PQconnectdbParams`: the conninfo first (expanded by
    /// libpq, since `expand_dbname` is set), then overrides, which libpq lets win.
    func connectParameters() -> [(key: String, value: String)] {
        var parameters: [(key: String, value: String)] = [
            (key: "dbname", value: conninfo),
            (key: "fallback_application_name", value: applicationName),
            (key: "client_encoding", value: "UTF8"),
        ]
        if !transactionPooling {
            let settings = SessionSettings.startup + (limits?.serverSettings ?? [])
                + (readOnly ? [("default_transaction_read_only", "on")] : [])
            let session = settings.map { "-c \($0.name)=\($0.value)" }.joined(separator: " ")
            parameters.append((key: "options", value: [parsed["options"], session].compactMap { $0 }.joined(separator: " ")))
        }
        if parsed["connect_timeout"] == nil { parameters.append((key: "connect_timeout", value: "10")) }
        parameters += limits?.clientParameters ?? []
        parameters += overrides
        return parameters
    }

    /// Where it connects and how the server is checked (`sslmode`, `sslrootcert`):
    /// what an operator needs to read a connection error, and nothing secret.
    public var description: String {
        let keys = ["host", "hostaddr", "port", "dbname", "user", "sslmode", "sslrootcert"]
        let shown = keys.compactMap { key in parameter(key).map { "\(key)=\($0)" } }
        return shown.isEmpty ? "(libpq defaults)" : shown.joined(separator: " ")
    }
}
