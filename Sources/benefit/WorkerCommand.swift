import ArgumentParser
import BenefitCore
import BenefitMigrations
import BenefitQueue
import BenefitScheduler
import BenefitTelemetry
import BenefitWorkers
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim and run jobs until stopped (SIGTERM or SIGINT).",
        discussion: """
            Runs up to --concurrency jobs at once from the given queues, each under a
            lease that heartbeats extend. On SIGTERM/SIGINT it stops claiming, lets
            running jobs finish for up to --grace-period, gives the rest back to the
            queue without counting the attempt, and exits 0. It survives a database
            restart: it logs one line, reconnects with backoff and carries on.

            Every worker runs the diagnostic kinds noop, sleep ({"ms": N}) and probe
            besides the benefit programs.

            The worker registers in the view benefit.processes (host, pid, queues,
            concurrency, last heartbeat) and is shown draining from SIGTERM until its
            jobs are done, then stopped; one killed outright is shown gone after three
            missed --process-heartbeat.

            \(RequiredRole.worker)
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var pooling: PoolingOptions
    @OptionGroup var processes: ProcessRegistryOptions

    @OptionGroup var metrics: MetricsOptions

    @Option(help: ArgumentHelp("Queues to claim from, comma-separated.", valueName: "a,b"))
    var queues = "default"

    @Option(parsing: .unconditional, help: "Jobs run at once. (default: 10)", transform: OptionValues.wholeNumber(1...1_000))
    var concurrency = 10

    @Option(help: "Name recorded in attempt rows (default: HOST-PID).")
    var name: String?

    @Option(
        parsing: .unconditional, help: ArgumentHelp("How long running jobs may finish after SIGTERM. (default: 30s)", valueName: "duration"),
        transform: OptionValues.duration(.zero...(.seconds(86_400))))
    var gracePeriod: Duration = .seconds(30)

    @Option(
        parsing: .unconditional, help: ArgumentHelp("Poll interval when no notification arrives. (default: 1s)", valueName: "duration"),
        transform: OptionValues.duration(.milliseconds(1)...(.seconds(3_600))))
    var pollInterval: Duration = .seconds(1)

    @Option(
        name: .customLong("listen-url"),
        help: ArgumentHelp(
            """
            Where to LISTEN for new jobs: a libpq URL or conninfo string that reaches PostgreSQL directly \
            (default: $BENEFIT_LISTEN_URL, else the database URL; with --pooled, none: poll only).
            """,
            valueName: "url"))
    var listenURL: String?

    func validate() throws {
        guard !queueList.isEmpty else { throw ValidationError("--queues: give at least one queue") }
        if let name, let problem = WorkerIdentity.nameProblem(name) { throw ValidationError("--name: \(problem)") }
        _ = try listening()
    }

    /// Where the worker listens: --listen-url, else $BENEFIT_LISTEN_URL, else the
    /// pool's database unless that goes through a transaction pooler.
    private func listening() throws -> Worker.Listening {
        let flag = listenURL.flatMap { $0.isEmpty ? nil : $0 }
        let (source, url) = flag.map { ("--listen-url", $0) }
            ?? ("$BENEFIT_LISTEN_URL", ProcessInfo.processInfo.environment["BENEFIT_LISTEN_URL"] ?? "")
        guard !url.isEmpty else { return pooling.pooled ? .off : .poolDatabase }
        do {
            var database = try PostgresConfiguration(url)
            database.limits = SessionLimits()
            return .database(database)
        } catch {
            // The message quotes nothing of the URL but libpq's keywords (PostgresConfiguration.init).
            throw ValidationError("\(source): \(error)")
        }
    }

    private var queueList: [String] {
        queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        let registry = metrics.bootstrap()
        let (pool, logger) = try await connection.pool(
            label: "benefit.worker", maxConnections: concurrency + 4, limits: SessionLimits(), pooling: pooling)
        let migrator = try await Daemon.checkSchema(on: pool, logger: logger)

        var configuration = Worker.Configuration()
        configuration.queues = queueList
        configuration.concurrency = concurrency
        configuration.identity = WorkerIdentity(name: name)
        let registration = processes.registration(
            ProcessDescription(role: .worker, identity: configuration.identity, queues: queueList, concurrency: concurrency),
            pool: pool, logger: logger)
        configuration.registration = registration
        configuration.shutdownGracePeriod = gracePeriod
        configuration.pollInterval = pollInterval
        configuration.listening = try listening()
        // Runs end soon after their last job ends here, or within a second when it ends elsewhere.
        let finisher = RunFinisher(pool: pool, logger: logger)
        configuration.observers = [finisher]
        let worker = Worker(pool: pool, registry: BenefitPrograms.registry(), configuration: configuration, logger: logger)
        let endpoint = metrics.services(registry: registry, logger: logger) {
            var readiness = await Readiness.database(pool)
            if !worker.isClaiming { readiness.problems.append("not claiming jobs") }
            return readiness
        }
        // Shut down in reverse: the finisher, the worker (draining), the registration (stopped), the endpoint.
        let watch = processes.schemaWatch(migrator, pool: pool, logger: logger)
        try await Daemon.run(endpoint + [registration, worker, finisher], watch: watch, logger: logger)
    }
}
