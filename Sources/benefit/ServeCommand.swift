import ArgumentParser
import BenefitConsole
import BenefitCore
import BenefitMigrations
import BenefitQueue
import BenefitTelemetry
import PostgresClient
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the operators' console (web pages) until stopped (SIGTERM or SIGINT).",
        discussion: """
            Web pages in Simplified Chinese and English: the overview (processes, queues,
            runs in progress with live progress, warnings), campaigns, runs, jobs and the
            audit trail (docs/console.md). Console users sign in (benefit users add);
            viewers read, operators also pause, resume, trigger, retry and cancel, each
            action audited under their name.

            It listens on 127.0.0.1 unless --address says otherwise: to reach it from
            other machines, put a reverse proxy with TLS in front of it. It registers in
            benefit.processes as a console and answers /healthz.

            \(RequiredRole.operator)
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var processes: ProcessRegistryOptions

    @Option(
        help: ArgumentHelp("Where to listen. (default: 127.0.0.1:8080)", valueName: "host:port"),
        transform: { text in
            do { return try ListenAddress(parsing: text) } catch { throw OptionValueError("\(error)") }
        })
    var address = ListenAddress(host: "127.0.0.1", port: 8080)

    func run() async throws {
        let (pool, logger) = try await connection.pool(label: "benefit.console", maxConnections: 8, limits: SessionLimits())
        let migrator = try await Daemon.checkSchema(on: pool, logger: logger)
        let console = try Console(pool: pool, logger: logger)
        let registration = processes.registration(
            ProcessDescription(role: .console, identity: WorkerIdentity()), pool: pool, logger: logger)
        // Shut down in reverse: the server (its streams end, requests finish), then the registration (stopped).
        let watch = processes.schemaWatch(migrator, pool: pool, logger: logger)
        try await Daemon.run([registration, ConsoleServer(console: console, host: address.host, port: address.port)], watch: watch, logger: logger)
    }
}
