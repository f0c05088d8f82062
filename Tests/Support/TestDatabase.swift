import BenefitMigrations
import Foundation
import Logging
import PostgresClient

/// Fresh databases on the test cluster, one per test, so tests run in parallel
/// without seeing each other's rows.
///
/// The cluster comes from `BENEFIT_TEST_DATABASE_URL`, which `ops/test` sets after
/// starting a throwaway PostgreSQL (`ops/pg-throwaway`).
public enum TestDatabase {
    /// The test cluster's maintenance database, as a superuser.
    public static func server() throws -> PostgresConfiguration {
        guard let url = ProcessInfo.processInfo.environment["BENEFIT_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TestSetupError("BENEFIT_TEST_DATABASE_URL is not set: run the tests with ops/test, which starts a throwaway PostgreSQL")
        }
        return try PostgresConfiguration(url)
    }

    /// Creates an empty database (migrated when asked), runs `body` with it, and drops it.
    public static func withFresh<Result: Sendable>(
        migrated: Bool = false,
        _ body: (PostgresConfiguration) async throws -> Result
    ) async throws -> Result {
        let server = try server()
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let admin = try await PostgresConnection.connect(to: server)
        try await admin.query("CREATE DATABASE \(identifier: String(name))")
        let configuration = server.with(database: String(name))
        do {
            if migrated {
                let connection = try await PostgresConnection.connect(to: configuration)
                try await Migrator(migrations: try Migration.bundled()).migrate(on: connection)
            }
            let result = try await body(configuration)
            try await admin.query("DROP DATABASE \(identifier: String(name)) WITH (FORCE)")
            return result
        } catch {
            _ = try? await admin.query("DROP DATABASE \(identifier: String(name)) WITH (FORCE)")
            throw error
        }
    }
}

extension TestDatabase {
    /// A test database's connection string, for a child process's `DATABASE_URL`.
    public static func url(of configuration: PostgresConfiguration) throws -> String {
        configuration.secretConnectionString
    }

    /// Runs `body` with a new database name (`PREFIX_<random>`) and the test
    /// cluster's server configuration; whatever database of that name `body`
    /// leaves is dropped at the end, also when it throws.
    public static func withName(prefix: String, _ body: (String, PostgresConfiguration) async throws -> Void) async throws {
        let server = try server()
        let name = prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let drop: PostgresQuery = "DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)"
        do {
            try await body(name, server)
        } catch {
            _ = try? await PostgresConnection.connect(to: server).query(drop)
            throw error
        }
        _ = try await PostgresConnection.connect(to: server).query(drop)
    }

    /// A logger for in-process workers that only speaks up when something is wrong.
    public static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }
}

/// The test environment is not set up as the suite needs.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
