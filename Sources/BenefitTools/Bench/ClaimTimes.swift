import BenefitCore
import BenefitQueue
import Foundation
import Logging
import PostgresClient

/// How long claims and their completions take with a given backlog, on one
/// connection, as one worker's claim loop would meet them (used by `bench claim`
/// and `bench prune`).
public struct ClaimTimes: Sendable, Codable {
    public var claimP50Milliseconds: Double
    public var claimP99Milliseconds: Double
    public var completeP50Milliseconds: Double
    public var completeP99Milliseconds: Double

    /// The queue the timed jobs go on.
    static let queue = "bench"

    /// Puts `queued` available no-op jobs on queue `bench` (in bulk enqueues of at
    /// most 100,000) and analyses the job table, then times `rounds` claims of
    /// `limit`, each followed by the completion of what it claimed, timed apart;
    /// deletes the queue's jobs at the end.
    static func measure(queued: Int, rounds: Int, limit: Int = 10, on pool: PostgresPool) async throws -> ClaimTimes {
        let queue = JobQueue(pool: pool)
        var enqueued = 0
        while enqueued < queued {
            let count = min(100_000, queued - enqueued)
            enqueued += try await queue.enqueueBulk(Array(repeating: NewJob(kind: "noop", queue: Self.queue), count: count))
        }
        try await pool.query("ANALYZE benefit.job")
        let worker = WorkerIdentity(name: "bench-claimer")
        var claims: [Double] = []
        var completions: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let claimed = try await queue.claim(queues: [Self.queue], limit: limit, worker: worker)
            let claimedAt = ContinuousClock.now
            guard claimed.count == limit else { throw BenchmarkError("a claim of \(limit) got \(claimed.count) jobs") }
            let outcomes = try await queue.completeMany(claimed.map(\.leaseKey))
            guard outcomes.values.allSatisfy({ $0 == .succeeded }) else { throw BenchmarkError("a completion was fenced") }
            claims.append((claimedAt - start).seconds * 1_000)
            completions.append((ContinuousClock.now - claimedAt).seconds * 1_000)
        }
        try await pool.query("DELETE FROM benefit.job WHERE queue = \(Self.queue)")
        claims.sort()
        completions.sort()
        return ClaimTimes(
            claimP50Milliseconds: QueueBenchmark.percentile(claims, 0.5), claimP99Milliseconds: QueueBenchmark.percentile(claims, 0.99),
            completeP50Milliseconds: QueueBenchmark.percentile(completions, 0.5),
            completeP99Milliseconds: QueueBenchmark.percentile(completions, 0.99))
    }
}

/// `benefit bench claim`: whether a claim costs the same with a short and a
/// long backlog. In a scratch database, for each backlog in turn (smallest
/// first): that many available jobs, then ``ClaimTimes`` over them.
public struct ClaimBenchmark: Sendable {
    /// The backlogs timed, in order. Default 10,000 and 1,000,000.
    public var backlogs = [10_000, 1_000_000]
    /// Claim-and-complete rounds per backlog. Default 1,000.
    public var rounds = 1_000
    /// Jobs per claim. Default 10.
    public var limit = 10

    public init() {}

    public struct Backlog: Sendable, Codable {
        public var queued: Int
        public var times: ClaimTimes
    }

    public struct Report: Sendable, Codable {
        public var serverVersion: String
        public var machine: BenchMachine
        public var rounds: Int
        public var limit: Int
        public var backlogs: [Backlog]
    }

    public func run(server: PostgresConfiguration, logger: Logger) async throws -> Report {
        try await ScratchDatabase.with(server: server, prefix: "benefit_bench", logger: logger) { database in
            let pool = PostgresPool(configuration: database, maxConnections: 1)
            defer { pool.close() }
            let version = try await pool.query("SHOW server_version").single(String.self)
            var measured: [Backlog] = []
            for queued in backlogs.sorted() {
                logger.info("timing claims with \(queued) jobs queued")
                measured.append(Backlog(queued: queued, times: try await ClaimTimes.measure(queued: queued, rounds: rounds, limit: limit, on: pool)))
            }
            return Report(serverVersion: version, machine: .current(), rounds: rounds, limit: limit, backlogs: measured)
        }
    }
}
