import ArgumentParser
import BenefitMigrations
import BenefitTools
import Foundation
import PostgresClient

struct Database: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Migrate the database, show its migration status, stop the embedded cluster.",
        subcommands: [Migrate.self, Status.self, StopEmbedded.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations, each in its own transaction.",
            discussion: """
                Safe to run from several hosts at once: migrators take turns under an
                advisory lock, and each migration is applied once. Refuses to run if an
                applied migration's file changed since.

                \(RequiredRole.owner)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var source: MigrationSource

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.migrate")
            let migrator = Migrator(migrations: try source.migrations(), logger: logger)
            let db = try await PostgresConnection.connect(to: configuration, logger: logger)
            let applied = try await migrator.migrate(on: db)
            if applied.isEmpty {
                print("database is up to date (\(migrator.migrations.count) migrations)")
            } else {
                for migration in applied { print("applied \(migration.fileName)") }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applied and pending migrations.", discussion: RequiredRole.reader)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var source: MigrationSource

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.status")
            let migrator = Migrator(migrations: try source.migrations(), logger: logger)
            let db = try await PostgresConnection.connect(to: configuration, logger: logger)
            let entries = try await migrator.status(on: db)
            if json {
                print(try MigrationStatusReport.json(entries))
            } else {
                print("database: \(configuration)")
                print(MigrationStatusReport.table(entries))
            }
        }
    }

    struct StopEmbedded: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop-embedded",
            abstract: "Stop the embedded PostgreSQL (under .benefit/pg, or $BENEFIT_HOME/pg; its data stays).")

        func run() async throws {
            let logger = CommandLogging.bootstrap(label: "benefit.embedded", level: nil)
            let embedded = EmbeddedPostgres(root: EmbeddedPostgres.defaultRoot(), logger: logger)
            if try await embedded.stop() {
                print("stopped the embedded PostgreSQL under \(embedded.root.path)")
            } else {
                print("the embedded PostgreSQL under \(embedded.root.path) is not running")
            }
        }
    }
}

/// Which migrations to use: the ones built in, or a folder's (while writing a new one).
struct MigrationSource: ParsableArguments {
    @Option(
        name: .customLong("migrations-dir"),
        help: ArgumentHelp("Use the NNNN_name.sql files in this folder instead of the built-in migrations.", valueName: "dir"))
    var directory: String?

    func migrations() throws -> [Migration] {
        guard let directory else { return try Migration.bundled() }
        return try Migration.load(from: URL(fileURLWithPath: directory))
    }
}
