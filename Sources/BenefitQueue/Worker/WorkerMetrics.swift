import CoreMetrics
import Synchronization

/// What a worker records with swift-metrics (docs/operations.md, Metrics lists
/// every name): jobs ended and how long they took, claims, leases, fenced
/// commits, slots.
///
/// Every metric object is made once: the gauges and counters when the worker is
/// made, those labelled by queue and kind the first time the pair is seen (every
/// configured queue with every registered kind at once), so a job's end costs a
/// dictionary lookup under a lock and a few atomic adds. Without a bootstrapped
/// backend the objects do nothing.
final class WorkerMetrics: Sendable {
    /// Jobs running on this worker.
    let inFlight = Gauge(label: "benefit_worker_jobs_in_flight")
    /// Slots free for the next claim (`concurrency` minus `inFlight`).
    let freeSlots = Gauge(label: "benefit_worker_free_slots")
    /// Jobs returned by each claim that returned any.
    let claimBatchSize = Recorder(label: "benefit_claim_batch_size")
    /// Leases a heartbeat found and extended.
    let leasesExtended = Counter(label: "benefit_leases_extended_total")
    /// Leases this worker gave up: a heartbeat did not find it, or its deadline
    /// passed with no heartbeat to vouch for it.
    let leasesLost = Counter(label: "benefit_leases_lost_total")
    /// Attempts whose end was refused by the fence: the database found the lease
    /// moved on (outcome `fenced`), or the worker refused a handler's commit on a
    /// lease it had given up.
    let fencedCommits = Counter(label: "benefit_fenced_commits_total")

    private let concurrency: Int
    private let byKind = Mutex<[KindKey: KindMetrics]>([:])

    private struct KindKey: Hashable {
        let queue: String
        let kind: String
    }

    /// One queue and kind's counters, one per outcome an attempt can end with, and its durations.
    private struct KindMetrics: Sendable {
        let finished: [AttemptOutcome: Counter]
        let duration: Timer

        init(_ key: KindKey) {
            var finished: [AttemptOutcome: Counter] = [:]
            for outcome in AttemptOutcome.allCases where outcome != .running {
                finished[outcome] = Counter(
                    label: "benefit_jobs_finished_total",
                    dimensions: [("queue", key.queue), ("kind", key.kind), ("outcome", outcome.rawValue)])
            }
            self.finished = finished
            self.duration = Timer(label: "benefit_job_duration_seconds", dimensions: [("queue", key.queue), ("kind", key.kind)])
        }
    }

    init(queues: [String], kinds: [String], concurrency: Int) {
        self.concurrency = concurrency
        byKind.withLock { byKind in
            for queue in queues {
                for kind in kinds {
                    let key = KindKey(queue: queue, kind: kind)
                    byKind[key] = KindMetrics(key)
                }
            }
        }
        slotsChanged(inFlight: 0)
    }

    /// An attempt came to its end `duration` after its claim was sent.
    func attemptEnded(_ job: ClaimedJob, outcome: AttemptOutcome, duration: Duration) {
        let key = KindKey(queue: job.queue, kind: job.kind)
        let metrics = byKind.withLock { byKind in
            if let metrics = byKind[key] { return metrics }
            let metrics = KindMetrics(key)
            byKind[key] = metrics
            return metrics
        }
        metrics.finished[outcome]?.increment()
        let (seconds, attoseconds) = duration.components
        metrics.duration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if outcome == .fenced { fencedCommits.increment() }
    }

    /// The number of jobs running changed to `inFlight`.
    func slotsChanged(inFlight count: Int) {
        inFlight.record(count)
        freeSlots.record(concurrency - count)
    }
}
