import ArgumentParser
import BenefitScheduler
import Foundation
import Logging

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

    /// Sets up logging and opens a pool on the database (one connection suits a command).
    func pool(label: String, maxConnections: Int = 1) async throws -> (PostgresPool, Logger) {
        let (database, logger) = try await configuration(label: label)
        return (PostgresPool(configuration: database, maxConnections: maxConnections, logger: logger), logger)
    }

    /// Whether commands use the embedded cluster: neither --database-url nor $DATABASE_URL is given.
    var usesEmbedded: Bool {
        (databaseURL ?? "").isEmpty && (ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty
    }

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

/// A command that could not do what was asked: printed as one line, exit 1, no usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
