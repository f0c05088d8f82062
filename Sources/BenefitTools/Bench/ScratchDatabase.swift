import BenefitMigrations
import Foundation
import Logging
import PostgresClient

/// A database of a benchmark's own on the server it is pointed at:
/// `<prefix>_<random>`, created, migrated with the bundled migrations, and
/// dropped at the end, also when the benchmark fails or is cancelled. The role
/// needs CREATEDB; nothing else on the server is touched.
public enum ScratchDatabase {
    /// Creates and migrates the scratch database, runs `body` with it, and drops it.
    public static func with<Value: Sendable>(
        server: PostgresConfiguration, prefix: String, logger: Logger,
        _ body: (PostgresConfiguration) async throws -> Value
    ) async throws -> Value {
        let admin = try await PostgresConnection.connect(to: server, logger: logger)
        let name = prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        do {
            try await admin.query("CREATE DATABASE \(identifier: name)")
        } catch let error as PostgresError where error.sqlState == "42501" {
            throw BenchmarkError("cannot create the scratch database \(name): the role needs CREATEDB (\(error.message))")
        }
        logger.info("created scratch database \(name)")
        do {
            let database = server.with(database: name)
            var quiet = logger
            quiet.logLevel = .warning
            let connection = try await PostgresConnection.connect(to: database, logger: quiet)
            try await Migrator(migrations: try Migration.bundled(), logger: quiet).migrate(on: connection)
            let value = try await body(database)
            try await admin.query("DROP DATABASE \(identifier: name) WITH (FORCE)")
            logger.info("dropped scratch database \(name)")
            return value
        } catch {
            // The admin connection does not look at cancellation, so this runs after Ctrl-C too.
            do {
                try await admin.query("DROP DATABASE \(identifier: name) WITH (FORCE)")
            } catch let dropError {
                logger.error("could not drop scratch database \(name): \(dropError)")
            }
            throw error
        }
    }
}

/// A benchmark could not run, or what it measured misbehaved.
public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
