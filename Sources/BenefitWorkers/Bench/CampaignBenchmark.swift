import BenefitCore
import BenefitScheduler
import BenefitTools
import Foundation
import Logging
import PostgresClient

/// `benefit bench campaign`: a seasonal-relief campaign over a big roster, end
/// to end, with real worker processes (the design's target: 1,000,000 members
/// with two workers in under 60 s).
///
/// In a scratch database (``ScratchDatabase``): generates and imports a roster
/// of `members` members, applies a winter-warmth campaign that admits members
/// in hardship, frontline workers and parents of new students, pays everyone it
/// admits (the budget covers them all: every eligible member is a grant
/// written), triggers it, and times the run with `workers` `benefit worker`
/// processes: from the trigger to the run's end, split into planning (the
/// planning job's attempt) and the batches (first batch claimed to last batch
/// done), all by the database's clock.
public struct CampaignBenchmark: Sendable {
    /// Members in the roster. Default 1,000,000.
    public var members = 1_000_000
    /// The roster generator's seed.
    public var seed: UInt64 = 7
    /// Worker processes. Default 2.
    public var workers = 2
    /// Jobs each worker runs at once. Default 4.
    public var concurrency = 4
    /// Members per batch job. Default 1,000.
    public var batchSize = 1_000
    /// The `benefit` binary the workers run; nil for this process's own.
    public var executablePath: String?
    /// How long the run may take before the benchmark fails.
    public var deadline: Duration = .seconds(1800)
    /// Called with the scratch database's pool and the run, after the run ended and
    /// before the database is dropped (`bench console` times the console's pages there).
    public var afterRun: (@Sendable (PostgresPool, Int) async throws -> Void)?

    static let campaign = "bench-relief"
    static let queue = "bench-relief"

    public init() {}

    /// The figures; times in seconds.
    public struct Report: Sendable, Codable {
        public var serverVersion: String
        public var members: Int
        public var workers: Int
        public var concurrency: Int
        public var batchSize: Int
        /// Generating, checking and loading the roster.
        public var importSeconds: Double
        public var eligible: Int
        public var batches: Int
        public var grants: Int
        public var amount: Decimal
        /// From the trigger to the run's end.
        public var runSeconds: Double
        /// The planning job: eligibility, allotment and fan-out into batch jobs.
        public var planningSeconds: Double
        /// First batch claimed to last batch done.
        public var batchSeconds: Double
        /// Eligible members per second of the whole run.
        public var membersPerSecond: Double
    }

    /// The campaign file the benchmark applies.
    var campaignYAML: String {
        """
        name: \(Self.campaign)
        program: seasonal-relief
        schedule: { timezone: Asia/Shanghai, cron: "0 9 1 12 *", catchUp: none }
        execution: { queue: \(Self.queue), batchSize: \(batchSize), maxAttempts: 5, lease: 60s }
        cycle: run
        parameters:
          season: winter-warmth
          eligibility: { hardshipTier: [1, 2, 3], frontline: true, childInCollege: true }
          amounts: { "1": 2000, "2": 1200, "3": 800 }
          amount: 300
          budget: 999999999999
        """
    }

    public func run(server: PostgresConfiguration, logger: Logger) async throws -> Report {
        try await ScratchDatabase.with(server: server, prefix: "benefit_bench_campaign", logger: logger) { database in
            try await run(in: database, logger: logger)
        }
    }

    private func run(in database: PostgresConfiguration, logger: Logger) async throws -> Report {
        let pool = PostgresPool(configuration: database, maxConnections: 2, logger: logger)
        defer { pool.close() }
        let serverVersion = try await pool.query("SHOW server_version").single(String.self)
        let clock = ContinuousClock()
        let importStart = clock.now
        _ = try await RosterImport.generated(count: members, seed: seed, on: pool)
        let importSeconds = (clock.now - importStart).seconds
        logger.info("imported \(members) members in \(String(format: "%.1f", importSeconds)) s")

        let source = try CampaignStore.Source(parsing: campaignYAML, fileName: "bench-relief.yaml", validators: BenefitPrograms.catalog.validators)
        _ = try await CampaignStore.apply([source], dryRun: false, by: OperatorIdentity.current, on: pool)

        let processes = try ChildProcessGroup(executablePath: executablePath, database: database)
        let deadline = deadline
        let runID = try await processes.run(ChildProcessGroup.Child.workers(workers, queues: [Self.queue], concurrency: concurrency)) {
            guard let runID = try await CampaignStore.trigger(Self.campaign, at: Date(), by: OperatorIdentity.current, on: pool) else {
                throw BenchmarkError("the benchmark campaign could not be triggered")
            }
            logger.info("triggered run \(runID); waiting for it to end")
            let giveUp = ContinuousClock.now + deadline
            while true {
                let run = try await RunHistory.find(runID, on: pool)
                if let run, run.state.isFinal {
                    guard run.state == .succeeded else { throw BenchmarkError("the benchmark run ended \(run.state.rawValue)") }
                    return runID
                }
                guard ContinuousClock.now < giveUp else { throw BenchmarkError("the run did not end within \(DurationText.format(deadline))") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let figures = try await pool.query("""
            SELECT r.members_total, r.batches_total,
                   (SELECT count(*) FROM benefit.grants g WHERE g.run_id = r.run_id),
                   (SELECT coalesce(sum(g.amount), 0) FROM benefit.grants g WHERE g.run_id = r.run_id),
                   (SELECT extract(epoch FROM run.finished_at - run.created_at)::float8 FROM benefit.run WHERE run.id = r.run_id),
                   (SELECT extract(epoch FROM max(a.finished_at) - min(a.started_at))::float8
                    FROM benefit.job_attempts a JOIN benefit.jobs j USING (job_id)
                    WHERE a.run_id = r.run_id AND j.kind = \(RunLauncher.planKind)),
                   (SELECT extract(epoch FROM max(a.finished_at) - min(a.started_at))::float8
                    FROM benefit.job_attempts a JOIN benefit.jobs j USING (job_id)
                    WHERE a.run_id = r.run_id AND j.kind = \(RunLauncher.batchKind))
            FROM benefit.run_history r WHERE r.run_id = \(runID)
            """).single((Int, Int, Int, Decimal, Double, Double?, Double?).self)
        try await afterRun?(pool, runID)
        return Report(
            serverVersion: serverVersion, members: members, workers: workers, concurrency: concurrency, batchSize: batchSize,
            importSeconds: importSeconds, eligible: figures.0, batches: figures.1, grants: figures.2, amount: figures.3,
            runSeconds: figures.4, planningSeconds: figures.5 ?? 0, batchSeconds: figures.6 ?? 0,
            membersPerSecond: figures.4 > 0 ? Double(figures.0) / figures.4 : 0)
    }
}
