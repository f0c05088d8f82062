import BenefitCore
import CPostgres
import Foundation
import Logging

/// One connection to PostgreSQL, whose blocking libpq calls run on its own thread.
///
/// The actor runs on a private ``ConnectionExecutor``, so its isolated methods may
/// call libpq directly and block without holding up Swift's cooperative pool.
/// Callers simply `await` them. A connection runs one statement at a time; use a
/// ``PostgresPool`` to share connections between tasks.
public actor PostgresConnection {
    private let executor: ConnectionExecutor
    // Finished (PQfinish) when the actor goes: the pool and the listener drop
    // their reference to close a connection.
    private let handle: ConnectionHandle
    /// The server process serving this connection (`pg_backend_pid()`).
    public nonisolated let backendPID: Int32
    private nonisolated let canceller: StatementCanceller
    private nonisolated let cutter: SocketCutter
    public nonisolated let logger: Logger
    /// Whether ``PostgresQuery/prepared()`` statements are prepared here: not
    /// behind a transaction pooler, whose next transaction may run on another
    /// server session.
    let preparesStatements: Bool
    /// The named prepared statements made on this connection (PostgresConnection+Prepared.swift).
    var preparedStatements = PreparedStatements()

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(executor: ConnectionExecutor, raw: TransferredPointer, preparesStatements: Bool, logger: Logger) {
        self.executor = executor
        self.preparesStatements = preparesStatements
        self.handle = ConnectionHandle(raw.pointer)
        self.backendPID = PQbackendPID(raw.pointer)
        self.canceller = StatementCanceller(raw.pointer)
        self.cutter = SocketCutter(socket: PQsocket(raw.pointer))
        self.logger = logger
    }

    /// Opens a connection; the connect itself runs off the cooperative pool.
    public static func connect(
        to configuration: PostgresConfiguration,
        logger: Logger = Logger(label: "benefit.postgres")
    ) async throws -> PostgresConnection {
        let executor = ConnectionExecutor(label: "benefit.postgres.connection")
        // A cancelled caller stops waiting at once: connect_timeout bounds the
        // connect itself, but not in a way a shutdown can wait for (a server that
        // accepts and answers nothing holds it that long).
        let raw = try await runBlocking("connect", discardingOnCancel: { PQfinish($0.pointer) }) {
            try TransferredPointer(ConnectionHandle.open(configuration))
        }
        return PostgresConnection(executor: executor, raw: raw, preparesStatements: !configuration.transactionPooling, logger: logger)
    }

    var raw: OpaquePointer { handle.raw }

    /// Asks the server to cancel the statement this connection is running, if any;
    /// returns at once. Whoever calls it must not reuse the connection for another
    /// statement until the cancelled one has returned (the request may arrive late).
    nonisolated func cancelRunningStatement() {
        canceller.cancel()
    }

    /// Shuts the connection's socket down, from any thread: a call waiting on it
    /// returns at once with a connection error, and the connection is broken for
    /// good. For a server that answers nothing, not even a cancel request (hung,
    /// or behind a network that holds the connection open and passes nothing).
    nonisolated func cutConnection() {
        cutter.cut()
    }

    // MARK: Statements

    /// Runs one statement with its bound values and returns its rows.
    ///
    /// A ``PostgresQuery/prepared()`` query runs as this connection's prepared
    /// statement; the first time, the statement is made and run in one round trip
    /// (see PostgresConnection+Prepared.swift).
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        let bindings = try query.bindings.validated()
        guard let statement = preparedStatement(query, bindings) else {
            return try check(execUnnamed(query.sql, bindings), sql: query.sql)
        }
        if statement.needsMaking { return try runMaking(query.sql, bindings, as: statement) }
        let result = execPrepared(statement, bindings)
        // A migration changed the shape of what the statement returns: the server
        // refuses the old statement once. It is made again, and run again unless a
        // transaction was open (that transaction has failed: its caller decides).
        guard Self.isStalePlan(result) else { return try check(result, sql: query.sql) }
        forgetPrepared(statement.name)
        guard !inTransaction, let remade = preparedStatement(query, bindings) else { return try check(result, sql: query.sql) }
        PQclear(result)
        return try runMaking(query.sql, bindings, as: remade)
    }

    /// Sends `query` with its bound values (text format) as the unnamed statement
    /// and waits for its result, unchecked.
    func execParams(_ query: PostgresQuery) throws -> OpaquePointer? {
        execUnnamed(query.sql, try query.bindings.validated())
    }

    private func execUnnamed(_ sql: String, _ bindings: PostgresBindings) -> OpaquePointer? {
        bindings.withCParameters { count, types, values in
            PQexecParams(raw, sql, count, types, values, nil, nil, 0)
        }
    }

    /// Runs trusted SQL text that may hold several statements (a migration file),
    /// through the simple query protocol, which takes no bound values.
    ///
    /// Never pass text that contains a value from outside the program.
    public func unsafeExecuteScript(_ unsafeSQL: String) throws {
        guard !unsafeSQL.utf8.contains(0) else {
            throw PostgresError(code: .invalidValue, message: "SQL text contains a NUL byte")
        }
        _ = try check(PQexec(raw, unsafeSQL), sql: unsafeSQL)
    }

    /// True when the connection is open and idle outside a transaction, so a pool may hand it out.
    ///
    /// Reading pending input first lets libpq notice a server that went away
    /// (restart, network cut) without sending anything.
    public func isReusable() -> Bool {
        PQconsumeInput(raw) == 1 && PQstatus(raw) == CONNECTION_OK && PQtransactionStatus(raw) == PQTRANS_IDLE
    }

    /// True when the connection is inside a transaction block.
    public var inTransaction: Bool {
        let status = PQtransactionStatus(raw)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    // MARK: Results

    /// Turns a libpq result into rows, or into an error carrying the server's fields.
    func check(_ result: OpaquePointer?, sql: String) throws -> PostgresRows {
        guard let result else { throw connectionError(sql: sql) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_EMPTY_QUERY:
            return PostgresRows(result: PostgresResult(result), affectedRows: Self.affectedRows(result))
        default:
            defer { PQclear(result) }
            throw serverError(result, sql: sql)
        }
    }

    static func affectedRows(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func serverError(_ result: OpaquePointer, sql: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        guard let sqlState = field("C") else { return connectionError(sql: sql) }
        return PostgresError(
            code: .server, message: field("M") ?? "server error", sqlState: sqlState,
            detail: field("D"), hint: field("H"), sql: sql)
    }

    func connectionError(sql: String?) -> PostgresError {
        let message = PostgresError.oneLine(String(cString: PQerrorMessage(raw)))
        let code: PostgresError.Code = PQstatus(raw) == CONNECTION_BAD ? .connectionClosed : .protocolViolation
        return PostgresError(code: code, message: message.isEmpty ? "connection lost" : message, sql: sql)
    }

}

/// Owns a `PGconn`: exactly one owner, and `PQfinish` when it goes.
struct ConnectionHandle: ~Copyable {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { PQfinish(raw) }

    /// Connects, blocking the calling thread.
    static func open(_ configuration: PostgresConfiguration) throws -> OpaquePointer {
        let parameters = configuration.connectParameters()
        let keywords: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.key) }
        let values: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.value) }
        defer { (keywords + values).forEach { free($0) } }
        var keywordPointers = keywords.map { UnsafePointer<CChar>($0) } + [nil]
        var valuePointers = values.map { UnsafePointer<CChar>($0) } + [nil]
        guard let raw = PQconnectdbParams(&keywordPointers, &valuePointers, 1) else {
            throw PostgresError(code: .connectionFailed, message: "cannot allocate a connection")
        }
        guard PQstatus(raw) == CONNECTION_OK else {
            var reason = ConnectionSecrets.redact(PostgresError.oneLine(String(cString: PQerrorMessage(raw))), conninfo: configuration.conninfo)
            PQfinish(raw)
            if reason.contains("unsupported startup parameter: options") {
                reason += " (a connection pooler in transaction pooling mode: see docs/operations.md, Behind PgBouncer)"
            }
            throw PostgresError(code: .connectionFailed, message: "cannot connect to PostgreSQL (\(configuration)): \(reason)")
        }
        // Server NOTICEs would otherwise be printed on stderr by libpq itself.
        PQsetNoticeProcessor(raw, { _, _ in }, nil)
        if configuration.transactionPooling {
            // Session-level on purpose: the pooler keeps these two per client and
            // sets them again on every server session it lends this connection.
            // A constant text, no value in it: nothing here bypasses bound parameters.
            let result = PQexec(raw, SessionSettings.pooled)
            defer { PQclear(result) }
            guard PQresultStatus(result) == PGRES_COMMAND_OK else {
                let reason = PostgresError.oneLine(String(cString: PQerrorMessage(raw)))
                PQfinish(raw)
                throw PostgresError(code: .connectionFailed, message: "cannot set up the session (\(configuration)): \(reason)")
            }
        }
        return raw
    }
}

/// A `PGconn` pointer crossing from the thread that connected to the actor that will own it.
struct TransferredPointer: @unchecked Sendable {
    // @unchecked: handed over exactly once, and the sender keeps no copy.
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

extension PostgresBindings {
    /// Calls `body` with the C arrays libpq takes: count, type OIDs, NUL-terminated values.
    func withCParameters<R>(
        _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        let oids = types.map { Oid($0.rawValue) }
        let copies: [UnsafeMutablePointer<CChar>?] = values.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { $0.map { UnsafePointer<CChar>($0) } }
        return oids.withUnsafeBufferPointer { oidBuffer in
            pointers.withUnsafeBufferPointer { valueBuffer in
                body(Int32(values.count), oidBuffer.baseAddress, valueBuffer.baseAddress)
            }
        }
    }
}
