import BenefitMigrations
import Logging
import PostgresClient
import ServiceLifecycle

/// What `worker`, `scheduler` and `serve` share about the schema and their service group.
enum Daemon {
    /// Refuses to start on a database this release cannot run with (not migrated,
    /// a file changed, or a newer release's migration that does not keep this one
    /// working); says so when a newer release migrated it and this one may run on.
    static func checkSchema(on pool: PostgresPool, logger: Logger) async throws -> Migrator {
        let migrator = Migrator(migrations: try Migration.bundled())
        let ahead = try await pool.withConnection { try await migrator.requireCompatible(on: $0) }
        if let newest = ahead.last {
            logger.notice("a newer release migrated the database; this one keeps working on it", metadata: [
                "newest": "\(newest.fileName)", "this release": "\(migrator.migrations.last?.fileName ?? "none")",
            ])
        }
        return migrator
    }

    /// Runs `services` in one group: started in order, shut down in reverse on
    /// SIGTERM or SIGINT, or when `watch` finds the schema moved past this
    /// release; the watch's error then ends the command with its line.
    static func run(_ services: [any Service], watch: SchemaWatch, logger: Logger) async throws {
        let configuration = ServiceGroupConfiguration(
            services: [watch.terminationBehavior] + services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await ServiceGroup(configuration: configuration).run()
    }
}

extension ProcessRegistryOptions {
    /// The schema watch of a daemon: it checks as often as the process reports itself alive.
    func schemaWatch(_ migrator: Migrator, pool: PostgresPool, logger: Logger) -> SchemaWatch {
        SchemaWatch(pool: pool, migrator: migrator, interval: processHeartbeat, logger: logger)
    }
}
