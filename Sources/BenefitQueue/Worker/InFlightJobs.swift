import Logging
import Synchronization

/// The jobs a worker is running, with what the heartbeat needs to know of each.
final class InFlightJobs: Sendable {
    struct Entry: Sendable {
        let job: ClaimedJob
        /// When this worker can no longer vouch for the lease (local clock, conservative:
        /// counted from before the statement that set the lease was sent).
        var leaseDeadline: ContinuousClock.Instant
        let abort = AbortSignal()
        let commit = CommitState()
    }

    private let entries = Mutex<[Int: Entry]>([:])

    var count: Int { entries.withLock { $0.count } }

    func insert(_ job: ClaimedJob, leaseSetAt: ContinuousClock.Instant) -> Entry {
        let entry = Entry(job: job, leaseDeadline: leaseSetAt + job.lease)
        entries.withLock { $0[job.id] = entry }
        return entry
    }

    /// Removes a job; returns how many are left.
    @discardableResult
    func remove(_ id: Int) -> Int {
        entries.withLock { entries in
            entries.removeValue(forKey: id)
            return entries.count
        }
    }

    func snapshot() -> [Entry] {
        entries.withLock { Array($0.values) }
    }

    /// The jobs whose leases the heartbeat must keep: not those inside or past their fenced commit.
    func leasesToExtend() -> [Entry] {
        snapshot().filter { !$0.commit.holdsOrFinishedLease }
    }

    /// After a successful extension sent at `sentAt`.
    func extended(_ id: Int, sentAt: ContinuousClock.Instant) {
        entries.withLock { entries in
            guard let entry = entries[id] else { return }
            entries[id]?.leaseDeadline = sentAt + entry.job.lease
        }
    }

    /// Stops every job whose lease this worker can no longer vouch for.
    func abortExpired(now: ContinuousClock.Instant) {
        let expired = entries.withLock { $0.values.filter { $0.leaseDeadline <= now && !$0.commit.holdsOrFinishedLease } }
        for entry in expired { entry.abort.fire(.leaseLost) }
    }

    func abortAll(_ reason: AbortReason) {
        for entry in snapshot() { entry.abort.fire(reason) }
    }
}

/// Finished jobs waiting for their batched completion.
final class CompletionBuffer: Sendable {
    private struct State {
        var pending: [(id: Int, token: LeaseToken)] = []
        /// When the longest-waiting of `pending` was added (nil when empty).
        var oldest: ContinuousClock.Instant?
    }
    private let state = Mutex(State())

    /// Adds one; returns how many are waiting now.
    func add(_ id: Int, _ token: LeaseToken) -> Int {
        state.withLock {
            if $0.pending.isEmpty { $0.oldest = .now }
            $0.pending.append((id: id, token: token))
            return $0.pending.count
        }
    }

    func drain(max: Int) -> [(id: Int, token: LeaseToken)] {
        state.withLock { state in
            let taken = Array(state.pending.prefix(max))
            state.pending.removeFirst(taken.count)
            // The rest are younger; keeping the older instant only makes a flush come sooner.
            if state.pending.isEmpty { state.oldest = nil }
            return taken
        }
    }

    func putBack(_ items: [(id: Int, token: LeaseToken)]) {
        guard !items.isEmpty else { return }
        state.withLock { state in
            state.pending.insert(contentsOf: items, at: 0)
            state.oldest = min(state.oldest ?? .now, .now)
        }
    }

    /// How many are waiting, and since when the longest-waiting one has.
    var waiting: (count: Int, oldest: ContinuousClock.Instant?) {
        state.withLock { ($0.pending.count, $0.oldest) }
    }
}
