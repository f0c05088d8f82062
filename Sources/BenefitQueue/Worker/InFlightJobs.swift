import Synchronization

/// The leases whose handlers a worker is running, by job id.
final class InFlightJobs: Sendable {
    private let leases = Mutex<[Int: HeldLease]>([:])
    /// Told the count under the lock, so that the gauges end on the last count, not a stale one.
    private let metrics: WorkerMetrics

    init(metrics: WorkerMetrics) {
        self.metrics = metrics
    }

    var count: Int { leases.withLock { $0.count } }

    func insert(_ lease: HeldLease) {
        leases.withLock { leases in
            leases[lease.job.id] = lease
            metrics.slotsChanged(inFlight: leases.count)
        }
    }

    /// Removes a lease, frees its slot; returns how many are left, or nil when it was
    /// no longer held. A lease is removed once, and only by itself: a job whose
    /// handler ran past its timeout frees its slot before the handler returns, and
    /// by then the job may be held again under a new lease.
    func remove(_ lease: HeldLease) -> Int? {
        leases.withLock { leases in
            guard leases[lease.job.id] === lease else { return nil }
            leases.removeValue(forKey: lease.job.id)
            metrics.slotsChanged(inFlight: leases.count)
            return leases.count
        }
    }

    func snapshot() -> [HeldLease] {
        leases.withLock { Array($0.values) }
    }

    /// The shortest lease held, or 1 s when none is: what paces the heartbeat and the deadline watch.
    var shortestLease: Duration {
        leases.withLock { $0.values.map(\.job.leaseDuration).min() } ?? .seconds(1)
    }
}

/// Finished jobs waiting for their batched completion.
final class CompletionBuffer: Sendable {
    private struct State {
        var pending: [HeldLease] = []
        /// When the longest-waiting of `pending` was added (nil when empty).
        var oldest: ContinuousClock.Instant?
    }
    private let state = Mutex(State())

    /// Adds one; returns how many are waiting now.
    func add(_ lease: HeldLease) -> Int {
        state.withLock {
            if $0.pending.isEmpty { $0.oldest = .now }
            $0.pending.append(lease)
            return $0.pending.count
        }
    }

    func drain(max: Int) -> [HeldLease] {
        state.withLock { state in
            let taken = Array(state.pending.prefix(max))
            state.pending.removeFirst(taken.count)
            // The rest are younger; keeping the older instant only makes a flush come sooner.
            if state.pending.isEmpty { state.oldest = nil }
            return taken
        }
    }

    func putBack(_ leases: [HeldLease]) {
        guard !leases.isEmpty else { return }
        state.withLock { state in
            state.pending.insert(contentsOf: leases, at: 0)
            state.oldest = min(state.oldest ?? .now, .now)
        }
    }

    /// How many are waiting, and since when the longest-waiting one has.
    var waiting: (count: Int, oldest: ContinuousClock.Instant?) {
        state.withLock { ($0.pending.count, $0.oldest) }
    }
}
