import BenefitCore
import CoreMetrics
import PostgresClient
import Synchronization

/// Reads how many jobs each queue holds (available, scheduled, running, dead) and how long
/// its oldest due job has waited, and publishes them as gauges:
/// `benefit_queue_jobs{queue,state}` and
/// `benefit_queue_oldest_available_age_seconds{queue}`.
///
/// One process samples for the whole system: the leading `benefit scheduler`
/// (``CampaignScheduler``), at most once per `interval`, one grouped statement
/// each time. Workers never do: a hundred workers each counting the queue every
/// second would cost the database more than the metrics are worth. A scheduler
/// that stops leading withdraws its gauges, so only the leader shows them.
public final class QueueDepthSampler: Sendable {
    public struct Configuration: Sendable {
        /// The least time between two samples. Default 15 s (a common scrape interval).
        public var interval: Duration = .seconds(15)
        public init() {}
    }

    let pool: PostgresPool
    let configuration: Configuration
    private let state = Mutex(State())

    private struct State {
        var lastSampled: ContinuousClock.Instant?
        /// The gauges published, by queue: one per state read, and the oldest job's age.
        var gauges: [String: (jobs: [String: Gauge], oldestAge: Gauge)] = [:]
    }

    public init(pool: PostgresPool, configuration: Configuration = Configuration()) {
        self.pool = pool
        self.configuration = configuration
    }

    /// Samples if `interval` has passed since the last sample (or none was taken);
    /// returns what it read, or nil when it was not yet time.
    @discardableResult
    public func runIfDue(now: ContinuousClock.Instant = .now) async throws -> [QueueDepth]? {
        let due = state.withLock { state in
            guard let last = state.lastSampled, now - last < configuration.interval else {
                state.lastSampled = now
                return true
            }
            return false
        }
        return due ? try await runOnce() : nil
    }

    /// Reads the queues' depths (``JobQueue/depths()``) and publishes them: for each
    /// queue read, its jobs available (due now), scheduled (available, due later),
    /// running and dead (0 when it has none); the gauges of a queue no longer read (its jobs all succeeded or were
    /// cancelled) are withdrawn.
    @discardableResult
    public func runOnce() async throws -> [QueueDepth] {
        let depths = try await JobQueue(pool: pool).depths()
        let withdrawn = state.withLock { state in
            var seen = Set<String>()
            for depth in depths {
                seen.insert(depth.queue)
                let gauges = state.gauges[depth.queue] ?? Self.gauges(queue: depth.queue)
                state.gauges[depth.queue] = gauges
                let counts = ["available": depth.available, "scheduled": depth.scheduled, "running": depth.running, "dead": depth.dead]
                for (label, gauge) in gauges.jobs { gauge.record(counts[label] ?? 0) }
                gauges.oldestAge.record(depth.oldestWaitSeconds ?? 0)
            }
            let gone = state.gauges.filter { !seen.contains($0.key) }
            for queue in gone.keys { state.gauges[queue] = nil }
            return Array(gone.values)
        }
        for gauges in withdrawn { Self.destroy(gauges) }
        return depths
    }

    /// Withdraws every gauge (this scheduler stopped leading): the new leader publishes them.
    public func withdraw() {
        let all = state.withLock { state in
            defer { state.gauges = [:]; state.lastSampled = nil }
            return Array(state.gauges.values)
        }
        for gauges in all { Self.destroy(gauges) }
    }

    /// The `state` labels published for each queue: jobs someone must still deal with.
    static let publishedStates = ["available", "scheduled", "running", "dead"]

    private static func gauges(queue: String) -> (jobs: [String: Gauge], oldestAge: Gauge) {
        var jobs: [String: Gauge] = [:]
        for jobState in Self.publishedStates {
            jobs[jobState] = Gauge(label: "benefit_queue_jobs", dimensions: [("queue", queue), ("state", jobState)])
        }
        return (jobs, Gauge(label: "benefit_queue_oldest_available_age_seconds", dimensions: [("queue", queue)]))
    }

    private static func destroy(_ gauges: (jobs: [String: Gauge], oldestAge: Gauge)) {
        for gauge in gauges.jobs.values { gauge.destroy() }
        gauges.oldestAge.destroy()
    }
}
