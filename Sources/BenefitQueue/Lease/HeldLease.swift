import BenefitCore
import Logging
import Synchronization

/// A lease this worker holds, shared by the job's task, the heartbeat and the
/// completer: the ``Lease`` state machine behind a lock, and the signal that
/// stops the job's handler when the machine says so.
final class HeldLease: Sendable {
    let job: ClaimedJob
    /// When the claim that gave it was sent.
    let claimedAt: ContinuousClock.Instant
    /// The state machine, and whether its end has been taken for reporting.
    private let lease: Mutex<(machine: Lease, endTaken: Bool)>
    private let stop = OnceSignal<Lease.StopReason>()
    /// The worker's logger, and the job's, once made.
    private let loggers: Mutex<(worker: Logger, job: Logger?)>

    init(job: ClaimedJob, claimedAt: ContinuousClock.Instant, logger: Logger) {
        self.job = job
        self.claimedAt = claimedAt
        self.lease = Mutex((Lease(job: job, setAt: claimedAt), false))
        self.loggers = Mutex((logger, nil))
    }

    /// The worker's logger with the job's metadata, made the first time it is
    /// asked for: a handler (StreamLogHandler) renders its metadata whenever it
    /// changes, which costs a job that logs nothing a noticeable share of the
    /// worker's CPU.
    var logger: Logger {
        loggers.withLock { loggers in
            if let made = loggers.job { return made }
            var logger = loggers.worker
            var metadata: Logger.Metadata = [
                "job_id": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempt)", "lease": "\(job.leaseToken.rawValue)",
            ]
            // The caller's grouping (a run's jobs are "run:ID"), so a run's lines can be found.
            if let group = job.group { metadata["group"] = "\(group)" }
            // Set in one update: key by key, the handler would render them once per key.
            logger.handler.metadata.merge(metadata) { $1 }
            loggers.job = logger
            return logger
        }
    }

    /// What a heartbeat takes along (``Lease/heartbeatTicket``).
    var heartbeatTicket: Int? { lease.withLock { $0.machine.heartbeatTicket } }

    /// The attempt's end, the first time this is asked once it has ended; nil
    /// otherwise. Whoever gets it reports the end, so it is reported once.
    func takeEnd() -> AttemptOutcome? {
        lease.withLock { lease in
            guard let outcome = lease.machine.outcome, !lease.endTaken else { return nil }
            lease.endTaken = true
            return outcome
        }
    }

    /// Applies an event under the lock; fires the stop signal when the action says to stop the handler.
    @discardableResult
    func apply(_ event: Lease.Event) throws(LeaseTransitionError) -> Lease.Action {
        let action = try lease.withLock { (lease: inout (machine: Lease, endTaken: Bool)) throws(LeaseTransitionError) -> Lease.Action in
            try lease.machine.apply(event)
        }
        if case .stopHandler(let reason) = action { stop.fire(reason) }
        return action
    }

    /// Returns when the handler must stop, with why; throws `CancellationError` if
    /// the waiting task is cancelled first (the worker itself is being torn down).
    func stopRequested() async throws -> Lease.StopReason {
        guard let reason = await stop.wait() else { throw CancellationError() }
        return reason
    }
}
