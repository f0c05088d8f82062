import Logging
import PostgresClient
import ServiceLifecycle

/// Watches, while a daemon runs, for a migration a newer release applies that
/// this release cannot run with (``Migrator/requireCompatible(on:)``): hosts are
/// upgraded one at a time, and a contracting migration may land while this one
/// still runs. When it sees one, it logs the line that names it and throws, and
/// the daemon's service group drains (``terminationBehavior``): jobs finish,
/// nothing new is claimed, and the process exits with that line instead of
/// failing job after job. A check the database cannot answer (an outage) is
/// tried again at the next interval: the daemon's own loops report outages.
public struct SchemaWatch: Service {
    let pool: PostgresPool
    let migrator: Migrator
    let interval: Duration
    let logger: Logger

    public init(pool: PostgresPool, migrator: Migrator, interval: Duration, logger: Logger) {
        self.pool = pool
        self.migrator = migrator
        self.interval = interval
        self.logger = logger
    }

    /// How the daemon's service group treats this service: its end (at shutdown)
    /// changes nothing; its failure drains the group.
    public var terminationBehavior: ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: self, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            do {
                try await pool.withConnection { try await migrator.requireNewerCompatible(on: $0) }
            } catch let error as MigrationError {
                logger.error("\(error): draining and stopping")
                throw error
            } catch {
                continue
            }
        }
    }
}
