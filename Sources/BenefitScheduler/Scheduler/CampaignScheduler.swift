import BenefitCore
import BenefitQueue
import CoreMetrics
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle

/// `benefit scheduler`: turns campaigns' fire times into runs.
///
/// Any number may run, on any hosts; one leads at a time (``LeaderElector``).
/// On each tick the leader, for every active campaign, in one transaction that
/// holds the campaign row lock: plans the fire times due since the campaign's
/// `scheduled_through` (``FirePlanner``, applying `catchUp`), creates their runs
/// (applying `overlap`), starts a queued run whose predecessor ended (queued by
/// `overlap: queue` or by a backfill), and advances `scheduled_through`. A fire time is therefore never run twice (the
/// lock, and `UNIQUE (campaign_id, fire_time)`) and never lost (the instant
/// advances only with the runs it covers). Runs are finished by ``RunFinisher``,
/// which runs beside the scheduler.
///
/// The leader also samples the queues' depths for monitoring (``QueueDepthSampler``),
/// so that one process in the system reads them, and, with a retention set, prunes
/// finished jobs (``JobPruner``). Metrics: `benefit_scheduler_leader`
/// (1 while leading), `benefit_scheduler_runs_created_total` (docs/operations.md, Metrics).
public final class CampaignScheduler: Service, Sendable {
    public struct Configuration: Sendable {
        /// Time between ticks. Default 1 s.
        public var tick: Duration = .seconds(1)
        /// Leadership settings.
        public var leader = LeaderElector.Configuration()
        /// Name in the leader lease. Default `HOST-PID`.
        public var name = WorkerIdentity().name
        /// Fire-time planning settings.
        public var planner = FirePlanner()
        /// How often the leader samples the queues' depths. Default every 15 s.
        public var queueDepth = QueueDepthSampler.Configuration()
        /// The leader's pruning of finished jobs. Default: off (no retention).
        public var retention = JobPruner.Configuration()
        public init() {}
    }

    /// What one tick did (tests assert on it).
    public struct TickResult: Sendable, Equatable {
        public var led = false
        public var runsCreated = 0
        public var runsStarted = 0
        public var firesSkipped = 0
    }

    let pool: PostgresPool
    let clock: any SchedulerClock
    let configuration: Configuration
    let logger: Logger
    private let elector: LeaderElector
    private let queueDepth: QueueDepthSampler
    private let pruner: JobPruner
    private let leaderGauge = Gauge(label: "benefit_scheduler_leader")
    private let runsCreated = Counter(label: "benefit_scheduler_runs_created_total")

    public init(pool: PostgresPool, clock: any SchedulerClock = SystemClock(), configuration: Configuration = Configuration(), logger: Logger) {
        self.pool = pool
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.elector = LeaderElector(pool: pool, holder: configuration.name, configuration: configuration.leader)
        self.queueDepth = QueueDepthSampler(pool: pool, configuration: configuration.queueDepth)
        self.pruner = JobPruner(pool: pool, configuration: configuration.retention, logger: logger)
        leaderGauge.record(0)
    }

    public func run() async throws {
        logger.info("scheduler started", metadata: ["name": "\(configuration.name)"])
        let outage = OutageLog()
        var leading = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let result = try await tick()
                outage.recovered(logger: logger)
                runsCreated.increment(by: result.runsCreated)
                if result.led != leading {
                    leading = result.led
                    leaderGauge.record(leading ? 1 : 0)
                    logger.notice(leading ? "leading the schedulers" : "another scheduler leads")
                    if !leading { queueDepth.withdraw() }
                }
                if leading {
                    await sampleQueueDepth()
                    await prune()
                }
            } catch {
                outage.failed("scheduler tick", error, logger: logger)
                // Unable to renew its lease, it cannot say it leads: another may take over.
                if leading {
                    leading = false
                    leaderGauge.record(0)
                    queueDepth.withdraw()
                }
            }
            // A tick under way finishes; the wait for the next one ends at shutdown.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.tick) }
        }
        if leading { try? await elector.resign() }
        leaderGauge.record(0)
        queueDepth.withdraw()
        logger.info("scheduler stopped")
    }

    /// The leader's sample of the queues' depths, when one is due; a failure is
    /// logged and tried again at the next interval, and the tick goes on.
    private func sampleQueueDepth() async {
        do {
            try await queueDepth.runIfDue()
        } catch {
            logger.warning("could not sample the queues' depths; trying again later", metadata: ["error": "\(error)"])
        }
    }

    /// The leader's prune of finished jobs, when one is due; a failure is logged
    /// and tried again at the next interval, and the tick goes on.
    private func prune() async {
        do {
            try await pruner.runIfDue()
        } catch {
            logger.warning("could not prune finished jobs; trying again later", metadata: ["error": "\(error)"])
        }
    }

    /// One tick: lead or not; if leading, create what is due.
    @discardableResult
    public func tick() async throws -> TickResult {
        var result = TickResult()
        guard try await elector.tryLead() else { return result }
        result.led = true
        let now = clock.now()
        let planner = configuration.planner
        // Read without locks; only campaigns with something to do (a fire time due,
        // a queued run to start) are locked and planned again in their own
        // transaction (what another scheduler did in between is seen there), so a
        // quiet tick costs two queries.
        let campaigns = try await pool.query(CampaignQueries.activeCampaigns).map(CampaignStore.record(from:))
        let queued: [Int] = try await pool.query(RunQueries.campaignsWithQueuedRuns).decode(Int.self)
        let withQueuedRuns = Set(queued)
        for campaign in campaigns {
            let definition = campaign.definition
            let plan = planner.plan(
                schedule: definition.schedule, handledThrough: campaign.scheduledThrough, now: now, catchUp: definition.catchUp)
            if let problem = plan.problem {
                logger.error("campaign's fire times cannot be computed; it fires no more until its schedule is changed", metadata: [
                    "campaign": "\(campaign.name)", "error": "\(problem)",
                ])
            }
            guard !plan.fires.isEmpty || withQueuedRuns.contains(campaign.id) else { continue }
            let outcome = try await schedule(campaignID: campaign.id, now: now)
            result.runsCreated += outcome.runsCreated
            result.runsStarted += outcome.runsStarted
            result.firesSkipped += outcome.firesSkipped
        }
        return result
    }

    private func schedule(campaignID: Int, now: Date) async throws -> TickResult {
        let planner = configuration.planner
        let logger = logger
        return try await pool.transaction { transaction in
            var result = TickResult()
            guard let row = try await transaction.query(CampaignQueries.lockCampaign(id: campaignID)).first else { return result }
            let campaign = try CampaignStore.record(from: row)
            if campaign.paused { return result }
            let definition = campaign.definition
            let plan = planner.plan(
                schedule: definition.schedule, handledThrough: campaign.scheduledThrough, now: now, catchUp: definition.catchUp)
            var active = plan.fires.isEmpty ? false : try await transaction.query(RunQueries.activeCount(campaignID: campaignID)).single(Int.self) > 0
            for fire in plan.fires {
                let start: Bool
                switch definition.overlap {
                case .skip:
                    if active {
                        result.firesSkipped += 1
                        logger.notice("fire time skipped: the previous run is still going (overlap: skip)", metadata: [
                            "campaign": "\(campaign.name)", "fire_time": "\(TimestampText.format(fire.time))",
                        ])
                        continue
                    }
                    start = true
                case .queue: start = !active
                case .allow: start = true
                }
                if let runID = try await RunLauncher.create(campaign, fireTime: fire.time, trigger: fire.trigger, start: start, on: transaction) {
                    // The new run, started or queued, is pending: the campaign now has one going.
                    active = true
                    result.runsCreated += 1
                    logger.info("run created", metadata: [
                        "campaign": "\(campaign.name)", "run_id": "\(runID)", "fire_time": "\(TimestampText.format(fire.time))",
                        "trigger": "\(fire.trigger.rawValue)", "started": "\(start)",
                    ])
                }
            }
            // Queued runs come from `overlap: queue`, and from backfills under `queue`
            // or `skip` (which never drop a fire time the operator named): each
            // policy starts them one at a time, whatever it is now.
            if let queued = try await transaction.query(RunQueries.nextQueued(campaignID: campaignID)).first(Int.self) {
                try await RunLauncher.enqueuePlan(runID: queued, campaign: campaign, on: transaction)
                result.runsStarted += 1
            }
            try await transaction.query(CampaignQueries.advance(campaignID: campaignID, through: plan.handledThrough))
            return result
        }
    }
}
