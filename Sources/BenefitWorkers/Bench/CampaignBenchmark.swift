import BenefitCore
import BenefitScheduler
import BenefitTools
import Foundation
import Logging
import PostgresClient

/// `benefit bench campaign`: one program's campaign over a big roster, end to
/// end, with real worker processes (the design's target: 1,000,000 members with
/// two workers in under 60 s; the city's: 4,300,000).
///
/// In a scratch database (``ScratchDatabase``): generates and imports a roster
/// of `members` members, applies a campaign of `program`, triggers it at once
/// (or after `ANALYZE benefit.member` with `analyzeFirst`, to compare), and
/// times the run with `workers` `benefit worker` processes: from the trigger to
/// the run's end, split into planning (the planning job's attempt) and the
/// batches (first batch claimed to last batch done), all by the database's clock.
/// The campaigns (``Program``) are sized to the roster so that every program
/// does its full work: relief pays everyone it admits; the checkup books every
/// due member over about a hundred workdays; recuperation fills a place for one
/// member in twenty and waitlists the rest.
public struct CampaignBenchmark: Sendable {
    /// The programs it can run.
    public enum Program: String, Sendable, Codable, CaseIterable {
        case relief, checkup, recuperation
    }

    /// The program of the campaign. Default relief.
    public var program = Program.relief
    /// Whether to run `ANALYZE benefit.member` between the import and the trigger
    /// (the import already does: this is the comparison). Default false.
    public var analyzeFirst = false
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

    static let queue = "bench-campaign"
    var campaign: String { "bench-\(program.rawValue)" }

    public init() {}

    /// The figures; times in seconds.
    public struct Report: Sendable, Codable {
        public var serverVersion: String
        public var machine: BenchMachine
        public var program: Program
        public var analyzedFirst: Bool
        public var members: Int
        public var workers: Int
        public var concurrency: Int
        public var batchSize: Int
        /// Generating the roster and writing it as a CSV file, before the import.
        public var rosterFileSeconds: Double
        /// Importing that file (`members import`): reading, checking and loading it.
        public var importSeconds: Double
        public var eligible: Int
        public var batches: Int
        /// Members the run granted, booked or placed.
        public var served: Int
        /// Members the run waitlisted.
        public var waitlisted: Int
        /// Money granted (relief; zero for the others).
        public var amount: Decimal
        /// From the trigger to the run's end.
        public var runSeconds: Double
        /// The planning job: eligibility, allotment and fan-out into batch jobs.
        public var planningSeconds: Double
        /// First batch claimed to last batch done.
        public var batchSeconds: Double
        /// Eligible members per second of the whole run.
        public var membersPerSecond: Double
        /// WAL the server wrote from the trigger to the workers' exit, per eligible member.
        public var walBytesPerMember: Double
        /// Transactions committed in the scratch database over the same span, per 1,000
        /// eligible members: the workers' and the trigger's (the benchmark's own reads left out).
        public var commitsPerThousandMembers: Double
        /// This process's peak resident memory once the import (which ran in it) was done.
        public var importPeakBytes: Int
        /// The largest worker process's peak resident memory, read as the run ended
        /// (from `/proc`, the workers being on this machine; 0 where it cannot be read).
        public var workerPeakBytes: Int
    }

    /// The campaign file the benchmark applies.
    var campaignYAML: String {
        let head = """
            name: \(campaign)
            program: \(programName)
            schedule: { timezone: Asia/Shanghai, cron: "0 9 1 12 *", catchUp: none }
            execution: { queue: \(Self.queue), batchSize: \(batchSize), maxAttempts: 5, lease: 60s }
            cycle: run
            parameters:

            """
        switch program {
        case .relief:
            return head + """
                  season: winter-warmth
                  eligibility: { hardshipTier: [1, 2, 3], frontline: true, childInCollege: true }
                  amounts: { "1": 2000, "2": 1200, "3": 800 }
                  amount: 300
                  budget: 999999999999
                """
        case .checkup:
            // Two hospitals taking one member in a hundred a day between them: about a
            // hundred workdays for everyone due.
            let daily = max(50, members / 200)
            return head + """
                  interval: 1y
                  employment: [staff, retired, migrant, gig]
                  startDate: 2027-03-01
                  holidays: [2027-04-05, 2027-05-03]
                  hospitals:
                    - { name: 市第一人民医院, dailyCapacity: \(daily) }
                    - { name: 中医附院, dailyCapacity: \(daily) }
                  packages:
                    - { name: basic, ageBelow: 35 }
                    - { name: standard, ageBelow: 50 }
                    - { name: extended }
                """
        case .recuperation:
            // Places for one member in twenty, in ten sessions at two sites.
            let capacity = max(1, members / 200)
            let sessions = (0..<5).map { week in
                "        - { start: 2027-04-\(String(format: "%02d", 5 + week * 5)), days: 5, capacity: \(capacity) }"
            }.joined(separator: "\n")
            return head + """
                  employment: [staff, migrant, gig, retired]
                  minServiceYears: 0
                  notWithinYears: 0
                  sites:
                    - name: 沙家浜
                      sessions:
                \(sessions)
                    - name: 尚湖
                      sessions:
                \(sessions)
                  rankBy: [frontline, modelWorker, yearsSinceLast, serviceYears]
                  seed: 2027
                """
        }
    }

    private var programName: String {
        switch program {
        case .relief: SeasonalReliefProgram.name
        case .checkup: HealthCheckupProgram.name
        case .recuperation: RecuperationProgram.name
        }
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
        let fileStart = clock.now
        let file = try await RosterImport.GeneratedFile.write(count: members, seed: seed)
        defer { file.remove() }  // on failure; removed as soon as it is read otherwise
        let importStart = clock.now
        _ = try await RosterImport.run(path: file.path, by: OperatorIdentity.current, on: pool)
        let rosterFileSeconds = (importStart - fileStart).seconds
        let importSeconds = (clock.now - importStart).seconds
        file.remove()
        let importPeakBytes = PeakMemory.ofThisProcess()
        logger.info("imported \(members) members in \(String(format: "%.1f", importSeconds)) s")
        if analyzeFirst { try await pool.query("ANALYZE benefit.member") }

        let source = try CampaignStore.Source(parsing: campaignYAML, fileName: "\(campaign).yaml", validators: BenefitPrograms.catalog.validators)
        _ = try await CampaignStore.apply([source], dryRun: false, by: OperatorIdentity.current, on: pool)

        let processes = try ChildProcessGroup(executablePath: executablePath, database: database)
        let deadline = deadline
        let children = ChildProcessGroup.Child.workers(workers, queues: [Self.queue], concurrency: concurrency) { "bench-worker-\($0)" }
        // (the counters at the trigger, run, the benchmark's own transactions in the span:
        // its reads of the run's state and the first counters' read)
        let (before, runID, ownCommits, workerPeakBytes) = try await processes.run(children, registeringOn: pool) {
            // Read with the workers up: the span is the run's, trigger to workers stopped.
            let before = try await Self.serverCounters(pool)
            guard let runID = try await CampaignStore.trigger(campaign, at: Date(), by: OperatorIdentity.current, on: pool) else {
                throw BenchmarkError("the benchmark campaign could not be triggered")
            }
            logger.info("triggered run \(runID); waiting for it to end")
            let giveUp = ContinuousClock.now + deadline
            var reads = 0
            while true {
                let run = try await RunHistory.find(runID, on: pool)
                reads += 1
                if let run, run.state.isFinal {
                    guard run.state == .succeeded else { throw BenchmarkError("the benchmark run ended \(run.state.rawValue)") }
                    let pids = try await pool.query(
                        "SELECT pid FROM benefit.processes WHERE role = 'worker' AND state = 'running'").decode(Int32.self)
                    return (before, runID, reads + 2, pids.compactMap(PeakMemory.ofProcess).max() ?? 0)
                }
                guard ContinuousClock.now < giveUp else { throw BenchmarkError("the run did not end within \(DurationText.format(deadline))") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let after = try await Self.serverCounters(pool)
        let figures = try await pool.query("""
            SELECT r.members_total, r.batches_total,
                   (SELECT count(*) FROM benefit.grants g WHERE g.run_id = r.run_id)
                   + (SELECT count(*) FROM benefit.appointments a WHERE a.run_id = r.run_id)
                   + (SELECT count(*) FROM benefit.allocations p WHERE p.run_id = r.run_id),
                   (SELECT count(*) FROM benefit.waitlist w WHERE w.run_id = r.run_id),
                   (SELECT coalesce(sum(g.amount), 0) FROM benefit.grants g WHERE g.run_id = r.run_id),
                   (SELECT extract(epoch FROM run.finished_at - run.created_at)::float8 FROM benefit.run WHERE run.id = r.run_id),
                   (SELECT extract(epoch FROM max(a.finished_at) - min(a.started_at))::float8
                    FROM benefit.job_attempts a JOIN benefit.jobs j USING (job_id)
                    WHERE a.run_id = r.run_id AND j.kind = \(RunLauncher.planKind)),
                   (SELECT extract(epoch FROM max(a.finished_at) - min(a.started_at))::float8
                    FROM benefit.job_attempts a JOIN benefit.jobs j USING (job_id)
                    WHERE a.run_id = r.run_id AND j.kind = \(RunLauncher.batchKind))
            FROM benefit.run_history r WHERE r.run_id = \(runID)
            """).single((Int, Int, Int, Int, Decimal, Double, Double?, Double?).self)
        try await afterRun?(pool, runID)
        return Report(
            serverVersion: serverVersion, machine: .current(), program: program, analyzedFirst: analyzeFirst, members: members, workers: workers,
            concurrency: concurrency, batchSize: batchSize, rosterFileSeconds: rosterFileSeconds, importSeconds: importSeconds, eligible: figures.0, batches: figures.1,
            served: figures.2, waitlisted: figures.3, amount: figures.4, runSeconds: figures.5, planningSeconds: figures.6 ?? 0,
            batchSeconds: figures.7 ?? 0, membersPerSecond: figures.5 > 0 ? Double(figures.0) / figures.5 : 0,
            walBytesPerMember: figures.0 > 0 ? Double(after.wal - before.wal) / Double(figures.0) : 0,
            commitsPerThousandMembers: figures.0 > 0 ? Double(after.commits - before.commits - ownCommits) * 1_000 / Double(figures.0) : 0,
            importPeakBytes: importPeakBytes, workerPeakBytes: workerPeakBytes)
    }

    /// The server's WAL position (bytes from its start) and the transactions the
    /// scratch database has committed (read-only ones included). The workers'
    /// backends report their commits to the statistics when they exit, so read
    /// after the workers are stopped.
    private static func serverCounters(_ pool: PostgresPool) async throws -> (wal: Int, commits: Int) {
        try await pool.query("""
            SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,
                   (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())
            """).single((Int, Int).self)
    }
}
