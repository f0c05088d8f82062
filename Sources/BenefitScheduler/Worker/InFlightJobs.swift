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

    func abort(_ id: Int, _ reason: AbortReason) {
        entries.withLock { $0[id] }?.abort.fire(reason)
    }

    /// Stops every job whose lease this worker can no longer vouch for.
    func abortExpired(now: ContinuousClock.Instant) -> Int {
        let expired = entries.withLock { $0.values.filter { $0.leaseDeadline <= now && !$0.commit.holdsOrFinishedLease } }
        for entry in expired { entry.abort.fire(.leaseLost) }
        return expired.count
    }

    func abortAll(_ reason: AbortReason) {
        for entry in snapshot() { entry.abort.fire(reason) }
    }
}

/// Finished jobs waiting for their batched completion.
final class CompletionBuffer: Sendable {
    private let pending = Mutex<[(id: Int, token: LeaseToken)]>([])

    /// Adds one; returns how many are waiting now.
    func add(_ id: Int, _ token: LeaseToken) -> Int {
        pending.withLock {
            $0.append((id: id, token: token))
            return $0.count
        }
    }

    func drain(max: Int) -> [(id: Int, token: LeaseToken)] {
        pending.withLock { pending in
            let taken = Array(pending.prefix(max))
            pending.removeFirst(taken.count)
            return taken
        }
    }

    func putBack(_ items: [(id: Int, token: LeaseToken)]) {
        pending.withLock { $0.insert(contentsOf: items, at: 0) }
    }

    var isEmpty: Bool { pending.withLock { $0.isEmpty } }
}

/// Logs a lost database once per outage, and its return once.
final class OutageLog: Sendable {
    private let down = Mutex(false)

    func failed(_ what: String, _ error: any Error, logger: borrowing Logger) {
        let first = down.withLock { down in
            defer { down = true }
            return !down
        }
        if first { logger.warning("\(what) failed; retrying with backoff: \(error)") }
    }

    func recovered(logger: borrowing Logger) {
        let wasDown = down.withLock { down in
            defer { down = false }
            return down
        }
        if wasDown { logger.notice("database reachable again; carrying on") }
    }
}

import Logging
