import BenefitCore
import BenefitQueue
import Foundation
import Logging
import PostgresClient

/// Measures the queue end to end with real worker processes: how fast jobs go in,
/// how fast workers get through them, and how soon an idle worker picks up a new one.
///
/// Works in a database of its own on the same server (`benefit_bench_<random>`,
/// so the role needs CREATEDB), migrated with the bundled migrations and dropped
/// at the end, also when the run fails or is cancelled. Three phases:
///
/// 1. **Enqueue**: `jobs` `noop` jobs on queue `bench` through ``JobQueue/enqueueBulk(_:)`` (one call of
///    `benefit.enqueue_jobs` with arrays),
///    timed on this process's clock.
/// 2. **Throughput**: `workers` processes of the `benefit` binary (`benefit worker
///    --queues bench,bench-latency --concurrency C`) work through them. The window is
///    measured with the database's own timestamps, from the first claim
///    (`min(job_attempt.started_at)`) to the last completion (`max(job.finished_at)`),
///    so worker start-up and this process's polling are not in it.
/// 3. **Pickup latency**: once phase 2's jobs are vacuumed (so that autovacuum
///    does not clean them meanwhile: the peers' harness measures on a queue with
///    nothing to clean), with the same workers idle, `latencySamples` single
///    `probe` jobs (`{"clock": true}`) go on queue `bench-latency` one at a time,
///    after ``warmUp`` discarded ones, each once the previous one's handler
///    reported and 50 to 150 ms more passed, so the workers are idle again (as
///    the peers' harness does). See ``Report/Pickup``.
///
/// The workers get the database URL through `DATABASE_URL` only, never on a
/// command line. They are stopped with SIGTERM and killed if still running after
/// `stopGracePeriod`.
public struct QueueBenchmark: Sendable {
    /// Jobs enqueued in phase 1 and worked through in phase 2. Default 50,000.
    public var jobs = 50_000
    /// Worker processes. Default 2 (one per core on a 2-core machine that also runs the server).
    public var workers = 2
    /// Jobs each worker runs at once (`benefit worker --concurrency`). Default 50.
    public var concurrency = 50
    /// Jobs whose pickup latency is measured in phase 3. Default 200.
    public var latencySamples = 200
    /// Whether each worker serves its metrics (`--metrics-address` on a free port of
    /// 127.0.0.1), so that a run with and one without show what metrics cost. Default false.
    public var metrics = false
    /// The `benefit` binary the workers run; nil (the default) for this process's own.
    public var executablePath: String?
    /// How long phase 2 may take before the run fails. Default 10 minutes.
    public var drainDeadline: Duration = .seconds(600)
    /// How long one phase-3 job may wait to be claimed before the run fails. Default 10 s.
    public var pickupDeadline: Duration = .seconds(10)
    /// How long workers may take to exit after SIGTERM before they are killed. Default 30 s.
    public var stopGracePeriod: Duration = .seconds(30)

    /// The queue of phases 1 and 2.
    public static let throughputQueue = "bench"
    /// The queue of phase 3.
    public static let latencyQueue = "bench-latency"
    /// Phase-3 jobs run first and left out of the figures (connections and plans warm up).
    public static let warmUp = 5

    public init() {}

    /// The figures. Rates are per second of the stated window; latencies in milliseconds.
    public struct Report: Sendable, Codable {
        public struct Parameters: Sendable, Codable {
            public var jobs: Int
            public var workers: Int
            public var concurrency: Int
            public var latencySamples: Int
            public var metrics: Bool
        }
        /// Phase 1: the bulk enqueue, timed on this process's clock (the enqueue function and commit).
        public struct Enqueue: Sendable, Codable {
            public var jobs: Int
            public var seconds: Double
            public var jobsPerSecond: Double
        }
        /// Phase 2: `jobs / windowSeconds`, the window running from the first claim to
        /// the last completion by the database's clock.
        public struct Throughput: Sendable, Codable {
            public var succeeded: Int
            public var windowSeconds: Double
            public var jobsPerSecond: Double
        }
        /// Phase 3, two ways over the same jobs.
        ///
        /// `commitToHandler` is the peers' definition: from the moment the enqueue's
        /// commit has returned to this process, to the handler's first statement in
        /// a worker process, both read from the machine's monotonic clock
        /// (``MonotonicClock``; the handler writes its reading with its effect).
        ///
        /// The `p50Milliseconds`, `p99Milliseconds` and `maxMilliseconds` figures
        /// are the database's: `job_attempt.started_at - job.created_at`. `created_at`
        /// is `now()` of the enqueue's transaction, which is its start, so they also
        /// cover the enqueue statement itself and its commit (a WAL flush with
        /// `synchronous_commit` on), and end at the claim, before the handler.
        public struct Pickup: Sendable, Codable {
            public var samples: Int
            public var p50Milliseconds: Double
            public var p99Milliseconds: Double
            public var maxMilliseconds: Double
            public var commitToHandler: Percentiles
        }
        /// Milliseconds at the 50th, 90th and 99th percentile and the largest.
        public struct Percentiles: Sendable, Codable {
            public var p50: Double
            public var p90: Double
            public var p99: Double
            public var max: Double

            init(_ values: [Double]) {
                let sorted = values.sorted()
                p50 = QueueBenchmark.percentile(sorted, 0.50)
                p90 = QueueBenchmark.percentile(sorted, 0.90)
                p99 = QueueBenchmark.percentile(sorted, 0.99)
                max = sorted.last!
            }
        }
        /// `SHOW server_version`.
        public var serverVersion: String
        public var machine: BenchMachine
        public var parameters: Parameters
        public var enqueue: Enqueue
        public var throughput: Throughput
        public var pickup: Pickup
    }

    /// Creates the scratch database on `server`'s server, runs the three phases in
    /// it, and drops it (also on failure or cancellation).
    public func run(server: PostgresConfiguration, logger: Logger) async throws -> Report {
        try await ScratchDatabase.with(server: server, prefix: "benefit_bench", logger: logger) { database in
            try await run(in: database, logger: logger)
        }
    }

    // MARK: Phases

    private func run(in database: PostgresConfiguration, logger: Logger) async throws -> Report {
        let pool = PostgresPool(configuration: database, maxConnections: 2, logger: logger)
        defer { pool.close() }
        let serverVersion = try await pool.query("SHOW server_version").single(String.self)
        let queue = JobQueue(pool: pool)

        // Phase 1: enqueue.
        let batch = Array(repeating: NewJob(kind: "noop", queue: Self.throughputQueue), count: jobs)
        let clock = ContinuousClock()
        let enqueueStart = clock.now
        let enqueued = try await queue.enqueueBulk(batch)
        let enqueueSeconds = (clock.now - enqueueStart).seconds
        guard enqueued == jobs else { throw BenchmarkError("enqueued \(enqueued) jobs instead of \(jobs)") }
        logger.info("enqueued \(jobs) jobs; starting \(workers) worker\(workers == 1 ? "" : "s")")

        // Phases 2 and 3, with the workers running.
        let (throughput, pickup) = try await withWorkers(on: database, pool: pool, logger: logger) {
            let throughput = try await self.drain(queue)
            logger.info("\(throughput.succeeded) jobs done; vacuuming them, then measuring pickup latency")
            // The drain left every job and attempt row dead twice over; autovacuum would
            // clean them during phase 3, on the two cores the pickups are measured on.
            try await queue.pool.query("VACUUM benefit.job, benefit.job_attempt")
            let pickup = try await self.measurePickup(queue)
            return (throughput, pickup)
        }
        return Report(
            serverVersion: serverVersion, machine: .current(),
            parameters: .init(jobs: jobs, workers: workers, concurrency: concurrency, latencySamples: latencySamples, metrics: metrics),
            enqueue: .init(jobs: jobs, seconds: enqueueSeconds, jobsPerSecond: Double(jobs) / enqueueSeconds),
            throughput: throughput, pickup: pickup)
    }

    /// Phase 2: waits until no `bench` job is available or running, then reads the
    /// window from the database and checks that every job succeeded.
    ///
    /// The window comes from the jobs' own timestamps, so this loop only decides
    /// when to read it, and looks twice a second: each look walks the claim
    /// index's entries for jobs already claimed (about 6 ms in the middle of a
    /// 200,000-job drain), and looking every 50 ms took 5 % of the server's time
    /// away from the workers being measured.
    private func drain(_ queue: JobQueue) async throws -> Report.Throughput {
        let deadline = ContinuousClock.now + drainDeadline
        while try await queue.hasLiveJobs(queue: Self.throughputQueue) {
            guard ContinuousClock.now < deadline else {
                throw BenchmarkError("the workers did not finish \(jobs) jobs within \(drainDeadline) (\(try await stateCounts(queue)))")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let (succeeded, windowSeconds) = try await queue.completionWindow(queue: Self.throughputQueue)
        guard succeeded == jobs, let windowSeconds, windowSeconds > 0 else {
            throw BenchmarkError("only \(succeeded) of \(jobs) jobs succeeded (\(try await stateCounts(queue)))")
        }
        return Report.Throughput(succeeded: succeeded, windowSeconds: windowSeconds, jobsPerSecond: Double(jobs) / windowSeconds)
    }

    /// Phase 3: one `probe` job at a time on the latency queue; the next once the
    /// handler's effect is there and 50 to 150 ms more passed. The figures come
    /// from the monotonic readings and the database's timestamps, so this loop's
    /// polling only decides when to go on: it first looks 20 ms after the commit
    /// and then every 5 ms, so that it does not compete for the two cores with
    /// the very pickup being measured.
    private func measurePickup(_ queue: JobQueue) async throws -> Report.Pickup {
        var commitToHandler: [Double] = []
        var measured: [Int] = []
        for sample in 0..<(Self.warmUp + latencySamples) {
            let (id, _) = try await queue.enqueue(NewJob(kind: "probe", payload: #"{"clock": true}"#, queue: Self.latencyQueue))
            let committed = MonotonicClock.nanoseconds()
            let deadline = ContinuousClock.now + pickupDeadline
            try await Task.sleep(for: .milliseconds(20))
            var started: Int64?
            while true {
                started = try await queue.pool.query(
                    "SELECT handler_started_ns FROM benefit.probe_effect WHERE job_id = \(id)"
                ).first(Int64?.self) ?? nil
                if started != nil { break }
                guard ContinuousClock.now < deadline else {
                    throw BenchmarkError("no worker ran job \(id) within \(pickupDeadline)")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            if sample >= Self.warmUp, let started {
                commitToHandler.append(Double(started - committed) / 1_000_000)
                measured.append(id)
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...150)))
        }
        let latencies = try await queue.pickupLatencies(jobs: measured).sorted()
        guard latencies.count == latencySamples else {
            throw BenchmarkError("found \(latencies.count) first attempts for \(latencySamples) latency jobs")
        }
        return Report.Pickup(
            samples: latencies.count,
            p50Milliseconds: Self.percentile(latencies, 0.50),
            p99Milliseconds: Self.percentile(latencies, 0.99),
            maxMilliseconds: latencies.last!,
            commitToHandler: Report.Percentiles(commitToHandler))
    }

    /// The nearest-rank percentile of sorted values: the smallest value with at
    /// least `fraction` of the values at or below it.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        precondition(!sorted.isEmpty, "a percentile of no values")
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// `available 10, running 2, dead 1`: for error messages.
    private func stateCounts(_ queue: JobQueue) async throws -> String {
        let rows = try await queue.stateCounts(queue: Self.throughputQueue).sorted { $0.key.rawValue < $1.key.rawValue }
        return rows.isEmpty ? "no jobs" : rows.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    }

    // MARK: Worker processes

    /// Runs `measure` while the worker processes run, then stops them (see ``ChildProcessGroup``).
    private func withWorkers<Value: Sendable>(
        on database: PostgresConfiguration, pool: PostgresPool, logger: Logger,
        _ measure: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let group = try ChildProcessGroup(executablePath: executablePath, database: database, stopGracePeriod: stopGracePeriod)
        var children = ChildProcessGroup.Child.workers(
            workers, queues: [Self.throughputQueue, Self.latencyQueue], concurrency: concurrency) { "bench-worker-\($0)" }
        if metrics {
            children = try children.map { $0.adding(["--metrics-address", "127.0.0.1:\(try PortProbe.freePort())"]) }
        }
        return try await group.run(children, registeringOn: pool) {
            let value = try await measure()
            logger.info("stopping the workers")
            return value
        }
    }
}
