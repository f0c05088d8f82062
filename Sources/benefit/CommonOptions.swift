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

    /// Sets up logging and opens a pool on the database (one connection suits a
    /// command); daemons pass `limits`, which every session sets at connect.
    func pool(label: String, maxConnections: Int = 1, limits: SessionLimits? = nil) async throws -> (PostgresPool, Logger) {
        var (database, logger) = try await configuration(label: label)
        database.limits = limits
        return (PostgresPool(configuration: database, maxConnections: maxConnections, logger: logger), logger)
    }

    /// Whether commands use the embedded cluster: neither --database-url nor $DATABASE_URL is given.
    var usesEmbedded: Bool { DatabaseLocation.given(url: databaseURL) == nil }

    /// Sets up logging to stderr and finds the database.
    func configuration(label: String) async throws -> (PostgresConfiguration, Logger) {
        let logger = CommandLogging.bootstrap(label: label, level: logLevel)
        return (try await DatabaseLocation.resolve(url: databaseURL, logger: logger), logger)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

enum CommandLogging {
    /// Logs go to stderr, so a command's stdout stays clean for its output.
    static func bootstrap(label: String, level: Logger.Level?) -> Logger {
        let environmentLevel = ProcessInfo.processInfo.environment["BENEFIT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        let chosen = level ?? environmentLevel ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = chosen
            return handler
        }
        return Logger(label: label)
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
}
