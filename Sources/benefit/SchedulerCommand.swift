import ArgumentParser
import BenefitCore
import BenefitMigrations
import BenefitQueue
import BenefitScheduler
import BenefitTelemetry
import PostgresClient
import ServiceLifecycle

struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Create campaign runs at their fire times, until stopped (SIGTERM or SIGINT).",
        discussion: """
            Run as many as you like, on any hosts: one leads at a time, another takes over
            within the leader lease when it dies, and a fire time is never run twice or
            lost. Missed fire times follow each campaign's catchUp policy, overlapping ones
            its overlap policy (docs/campaigns.md). Each registers in the view
            benefit.processes, where the one that leads is marked.

            With --retention, the leader also deletes jobs that finished longer ago,
            with their attempts, as `benefit jobs prune` does: at most every
            --retention-interval, a few seconds of small chunks at a time, never a
            job that may still run, never an effect; runs keep their figures in
            benefit.run_history (docs/operations.md, Retention). Give every
            scheduler the same --retention: whichever leads applies its own.

            Example: benefit scheduler --retention 90d

            \(RequiredRole.worker)
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var pooling: PoolingOptions
    @OptionGroup var processes: ProcessRegistryOptions

    @OptionGroup var metrics: MetricsOptions

    @Option(
        parsing: .unconditional, help: ArgumentHelp("Time between ticks. (default: 1s)", valueName: "duration"),
        transform: OptionValues.duration(.milliseconds(10)...(.seconds(3_600))))
    var tick: Duration = .seconds(1)

    @Option(
        parsing: .unconditional, help: ArgumentHelp("How long leadership lasts without renewal. (default: 10s)", valueName: "duration"),
        transform: OptionValues.duration(.milliseconds(20)...(.seconds(86_400))))
    var leaderLease: Duration = .seconds(10)

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("While leading, how often to count the queues' jobs for /metrics. (default: 15s)", valueName: "duration"),
        transform: OptionValues.duration(.seconds(1)...(.seconds(3_600))))
    var queueDepthInterval: Duration = .seconds(15)

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "While leading, delete jobs finished longer ago than this, with their attempts (e.g. 90d; at least 1h). (default: keep all)",
            valueName: "duration"),
        transform: OptionValues.duration(JobQueue.shortestRetention...(.seconds(86_400 * 36_500))))
    var retention: Duration?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("With --retention, the least time between two prunes. (default: 5m)", valueName: "duration"),
        transform: OptionValues.duration(.seconds(1)...(.seconds(86_400))))
    var retentionInterval: Duration = .seconds(300)

    @Option(help: "Name in the leader lease (default: HOST-PID).")
    var name: String?

    @Option(help: .hidden)
    var clockFile: String?

    func validate() throws {
        guard leaderLease > tick else { throw ValidationError("--leader-lease must be longer than --tick") }
        if let name, let problem = WorkerIdentity.nameProblem(name) { throw ValidationError("--name: \(problem)") }
    }

    func run() async throws {
        let registry = metrics.bootstrap()
        let (pool, logger) = try await connection.pool(label: "benefit.scheduler", maxConnections: 4, limits: SessionLimits(), pooling: pooling)
        let migrator = try await Daemon.checkSchema(on: pool, logger: logger)
        var configuration = CampaignScheduler.Configuration()
        configuration.tick = tick
        configuration.leader.lease = leaderLease
        configuration.queueDepth.interval = queueDepthInterval
        configuration.retention.retention = retention
        configuration.retention.interval = retentionInterval
        let identity = WorkerIdentity(name: name)
        configuration.name = identity.name
        let clock: any SchedulerClock = try clockFile.map { try FileClock(path: $0) } ?? SystemClock()
        let scheduler = CampaignScheduler(pool: pool, clock: clock, configuration: configuration, logger: logger)
        let finisher = RunFinisher(pool: pool, logger: logger)
        let registration = processes.registration(ProcessDescription(role: .scheduler, identity: identity), pool: pool, logger: logger)
        let endpoint = metrics.services(registry: registry, logger: logger) { await Readiness.database(pool) }
        // Shut down in reverse: the finisher, the scheduler, the registration (stopped), the endpoint.
        let watch = processes.schemaWatch(migrator, pool: pool, logger: logger)
        try await Daemon.run(endpoint + [registration, scheduler, finisher], watch: watch, logger: logger)
    }
}
