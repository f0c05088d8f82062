import ArgumentParser
import BenefitCore
import BenefitQueue
import BenefitTools
import Foundation
import Logging
import PostgresClient
import UnixSignals

/// Options every command that touches the database takes.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "A libpq URL or conninfo string (default: $DATABASE_URL, else the embedded cluster).",
            valueName: "url"))
    var databaseURL: String?

    @Option(help: "How much to log on stderr (default: $BENEFIT_LOG_LEVEL, else info).")
    var logLevel: Logger.Level?

    @Option(help: "How log lines are written: text, or json (one object per line) (default: $BENEFIT_LOG_FORMAT, else text).")
    var logFormat: LogFormat?

    func validate() throws {
        let environment = ProcessInfo.processInfo.environment
        if logLevel == nil, let text = environment["BENEFIT_LOG_LEVEL"], Logger.Level(rawValue: text) == nil {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("$BENEFIT_LOG_LEVEL: \(PrintableText.quoted(text)) is not a log level (\(levels))")
        }
        if logFormat == nil, let text = environment["BENEFIT_LOG_FORMAT"], LogFormat(rawValue: text) == nil {
            throw ValidationError("$BENEFIT_LOG_FORMAT: \(PrintableText.quoted(text)) is not a log format (text, json)")
        }
    }

    /// Sets up logging and opens a pool on the database (one connection suits a
    /// command); daemons pass `limits`, which every session sets at connect, and
    /// `pooling` (`--pooled`).
    func pool(
        label: String, maxConnections: Int = 1, limits: SessionLimits? = nil, pooling: PoolingOptions? = nil
    ) async throws -> (PostgresPool, Logger) {
        var (database, logger) = try await configuration(label: label)
        database.limits = limits
        database.transactionPooling = pooling?.pooled ?? false
        return (PostgresPool(configuration: database, maxConnections: maxConnections, logger: logger), logger)
    }

    /// Whether commands use the embedded cluster: neither --database-url nor $DATABASE_URL is given.
    var usesEmbedded: Bool { DatabaseLocation.given(url: databaseURL) == nil }

    /// Sets up logging to stderr and finds the database.
    func configuration(label: String) async throws -> (PostgresConfiguration, Logger) {
        let logger = CommandLogging.bootstrap(label: label, level: logLevel, format: logFormat)
        return (try await DatabaseLocation.resolve(url: databaseURL, logger: logger), logger)
    }
}

/// `--read-url`, for the commands that only read (runs list and show, campaign
/// list and show, jobs dead, audit list, status): they may ask a hot standby,
/// so that administrators' questions do not load the primary the workers claim
/// from (docs/operations.md, Administrators on a replica).
struct ReadOptions: ParsableArguments {
    @Option(
        name: .customLong("read-url"),
        help: ArgumentHelp(
            """
            Read from this database instead of --database-url: a hot standby of it, say. Its \
            figures are as old as its replication lag (docs/operations.md, Administrators on a \
            replica). (default: $BENEFIT_READ_URL, else --database-url)
            """,
            valueName: "url"))
    var readURL: String?

    /// The URL given (`--read-url`, else `BENEFIT_READ_URL`); nil means the command's database.
    var given: String? {
        if let readURL, !readURL.isEmpty { return readURL }
        if let url = ProcessInfo.processInfo.environment["BENEFIT_READ_URL"], !url.isEmpty { return url }
        return nil
    }

    /// A one-connection pool on the read URL, whose sessions refuse writes
    /// (`default_transaction_read_only`), else the command's database as `connection` finds it.
    func pool(label: String, connection: ConnectionOptions) async throws -> (PostgresPool, Logger) {
        guard let url = given else { return try await connection.pool(label: label) }
        let logger = CommandLogging.bootstrap(label: label, level: connection.logLevel, format: connection.logFormat)
        var database = try PostgresConfiguration(url)
        database.readOnly = true
        return (PostgresPool(configuration: database, maxConnections: 1, logger: logger), logger)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

enum CommandLogging {
    /// Logs go to stderr, so a command's stdout stays clean for its output.
    static func bootstrap(label: String, level: Logger.Level?, format: LogFormat? = nil) -> Logger {
        let environment = ProcessInfo.processInfo.environment
        let chosen = level ?? environment["BENEFIT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let format = format ?? environment["BENEFIT_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .text
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
            handler.logLevel = chosen
            return handler
        }
        return Logger(label: label)
    }
}

/// `--pooled`, for the daemons, which may connect through PgBouncer in
/// transaction pooling mode (docs/operations.md, Behind PgBouncer). Other
/// commands connect to PostgreSQL directly.
struct PoolingOptions: ParsableArguments {
    @Flag(help: """
        The database URL leads to a connection pooler in transaction pooling mode (PgBouncer's \
        pool_mode = transaction): rely on no session state (docs/operations.md, Behind PgBouncer).
        """)
    var pooled = false
}

/// `--process-heartbeat`, for the daemons that register in `benefit.processes`.
struct ProcessRegistryOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "How often this process reports itself alive in benefit.processes; it is shown gone after three missed. (default: 5s)",
            valueName: "duration"),
        transform: OptionValues.duration(.milliseconds(50)...(.seconds(3_600))))
    var processHeartbeat: Duration = .seconds(5)

    /// The registration service for `process`: put it first in the daemon's service group.
    func registration(_ process: ProcessDescription, pool: PostgresPool, logger: Logger) -> ProcessRegistration {
        var configuration = ProcessRegistration.Configuration()
        configuration.heartbeat = processHeartbeat
        return ProcessRegistration(pool: pool, process: process, configuration: configuration, logger: logger)
    }
}

/// `--workers`, for commands that start `benefit worker` processes of this binary.
struct WorkerProcessOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker processes to start (at most 16). (default: 2)", transform: OptionValues.wholeNumber(1...16))
    var workers = 2
}

/// Prints a line that holds text from a user's file or the database, its control characters escaped (``PrintableText``).
func printEscaped(_ line: String) {
    print(PrintableText.escaping(line))
}

/// Writes lines to stderr (problems, progress), keeping stdout for a command's output.
func printToStandardError(_ lines: [String]) {
    FileHandle.standardError.write(Data(lines.map { $0 + "\n" }.joined().utf8))
}

/// A command that could not do what was asked: printed as one line, exit 1, no usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Long commands that start processes or scratch databases (the benchmarks, the
/// demo) run their work through this, so a signal lets them clean up.
enum Interruptible {
    /// Runs `body`; SIGINT or SIGTERM cancels it (so it can clean up) and fails the command.
    static func run<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                for await signal in signals {
                    throw CommandFailure("interrupted by \(signal)")
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let next { return next }
            }
            throw CancellationError()
        }
    }
}

/// The database role each command needs, the last paragraph of its --help: the
/// same list as docs/sql.md's "Roles". A login that is a member of that
/// role alone is enough (the tests run each command so).
enum RequiredRole {
    static let `operator` = "Database role: benefit_operator (docs/sql.md, Roles)."
    static let worker = "Database role: benefit_worker (docs/sql.md, Roles)."
    static let owner = "Database role: the schema's owner, the login that creates and migrates it (docs/sql.md, Roles)."
    static let reader = "Database role: benefit_operator, benefit_worker or the owner (docs/sql.md, Roles)."
    static let auditReader = "Database role: benefit_operator or benefit_admin (docs/sql.md, Roles)."
    static let viewReader = "Database role: benefit_admin or benefit_operator: it reads the documented views only (docs/sql.md, Roles)."
}
