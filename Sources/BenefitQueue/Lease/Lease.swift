/// One attempt's lease on a job, from its claim to its end, as the worker that
/// holds it sees it: a value with an explicit state machine.
///
/// The database decides who holds a job (the token it carries, and its expiry
/// by the server's clock); a `Lease` is what this worker knows and must do
/// about its own attempt. Every event the worker sees — the handler starting,
/// returning or throwing, a heartbeat's answer, the job's timeout passing, the
/// fenced commit, the database's answer when the attempt's end is written — is
/// applied with ``apply(_:)``, which moves the state and returns what the worker
/// must do next. An event the state does not allow is a bug in the worker and throws
/// ``LeaseTransitionError``; the tests walk every state and event.
///
/// ```
/// claimed ─start─▶ running ─beginCommit────────▶ committing ─recorded(succeeded)─▶ committed
///                    │  ▲   (handler's fenced       │  ├─recorded(retry|dead)───▶ failed
///                    │  └──commitFailed──────────────┘  ├─recorded(cancelled)────▶ cancelled
///                    ├─handlerReturned─▶ committing      ├─recorded(released)─────▶ released
///                    │  (batched completion)             ├─recorded(fenced)───────▶ fenced
///                    ├─handlerThrew─▶ committing         └─recordingAbandoned─────▶ expired
///                    │  (failure or cancellation to write)
///                    ├─handlerStopped(shutdown)─▶ committing (release to write)
///                    ├─lost, or deadline passed─▶ expired (handler stopped; the rescuer takes the job)
///                    └─timeoutPassed─▶ timingOut ─recorded(timedOut)─▶ timedOut
///                      (handler stopped;  │  ├─recorded(fenced)────▶ fenced
///                      timeout to write)  │  └─recordingAbandoned──▶ expired
///                                         └ the first of handlerAbandoned or the handler's end: write the timeout
/// committing (the handler's fenced commit, stopped by timeoutPassed) ─commitFailed─▶ timingOut
/// ```
///
/// `committing` means the attempt's end is being written: its handler's fenced
/// commit, its batched completion, its failure, cancellation or release. The
/// heartbeat neither extends nor judges a lease in that state: once a write
/// holds the job row nobody else can take the lease (the rescuer skips locked
/// rows), and before that the write's own fence decides.
///
/// `timingOut` means the handler ran past the job's timeout and was told to stop.
/// The timeout is written as soon as the worker stops waiting for the handler
/// (`handlerAbandoned`) or the handler ends, whichever comes first, so a handler
/// that ignores the stop does not hold its slot: the write moves the job on, and
/// every commit the handler still tries is refused. A timeout that passes while the
/// handler's fenced commit is in flight stops it too (a campaign's batch does all
/// its work inside its commit): the commit is cancelled and rolled back, unless its
/// COMMIT already went through, and the worker waits for that verdict: committed,
/// the attempt succeeded; failed without one, the timeout is written.
public struct Lease: Sendable {
    public enum State: String, Sendable, CaseIterable {
        /// Claimed; the handler has not started.
        case claimed
        /// The handler runs; heartbeats extend the lease.
        case running
        /// The attempt's end is being written.
        case committing
        /// The job's completion committed under this lease.
        case committed
        /// A failure was recorded: the job retries later or is dead.
        case failed
        /// The handler found the job's work no longer wanted; the job is cancelled.
        case cancelled
        /// The lease was gone when the attempt's end was written: nothing was committed.
        case fenced
        /// Given back at shutdown without counting the attempt.
        case released
        /// This worker can no longer vouch for the lease (a heartbeat did not find it,
        /// or its local deadline passed): the handler is stopped and the job left to
        /// the rescuer, or to whoever holds it now.
        case expired
        /// The handler ran past the job's timeout and was told to stop; the timeout is
        /// being written, or will be once the worker stops waiting for the handler.
        /// Commits the handler still tries are refused.
        case timingOut
        /// The timeout was recorded: the job retries later or is dead.
        case timedOut
    }

    /// How a handler's error asks the job to end.
    public enum Failure: Sendable, Equatable {
        /// Try again after a backoff delay, unless attempts are used up.
        case retryable
        /// No retry can help: the job goes dead.
        case permanent
        /// The work is no longer wanted (``JobCancelled``): the job is cancelled.
        case cancelled
    }

    /// Why a handler is stopped from outside.
    public enum StopReason: Sendable, Equatable {
        /// The lease is gone, or can no longer be vouched for.
        case leaseLost
        /// The worker is shutting down and the grace period is over.
        case shutdown
        /// The handler ran past the job's timeout.
        case timedOut
    }

    /// Something that happened to the attempt.
    public enum Event: Sendable, Equatable {
        case start
        /// A heartbeat found the lease and extended it; this worker vouches for it
        /// until `until`. `ticket` is the ``heartbeatTicket`` the heartbeat took
        /// when it sent the extension: an answer to a heartbeat sent before the
        /// attempt's last commit began is stale and changes nothing.
        case extended(until: ContinuousClock.Instant, ticket: Int)
        /// A heartbeat did not find the lease: someone else holds the job now
        /// (unless the answer is stale, as for `extended`: a commit of this attempt
        /// held the job row, and the heartbeat, skipping locked rows, left it out).
        case lost(ticket: Int)
        /// The local clock reads `now` (the heartbeat's check when it cannot reach the database).
        case clock(now: ContinuousClock.Instant)
        /// Shutdown's grace period is over.
        case shutdownGraceOver
        /// The job's timeout, counted from the handler's start, passed.
        case timeoutPassed
        /// The worker stopped waiting for a handler told to stop for its timeout: it
        /// may still be running, and its slot is given up.
        case handlerAbandoned
        /// The handler opens its fenced commit.
        case beginCommit
        /// The fenced commit failed without a verdict on the lease (a constraint, a lost
        /// connection, the handler's own error inside it): nothing was written.
        case commitFailed
        /// The handler returned without error.
        case handlerReturned
        /// The handler threw.
        case handlerThrew(Failure)
        /// The handler ended because it was stopped.
        case handlerStopped(StopReason)
        /// The database's answer when the attempt's end was written.
        case recorded(AttemptOutcome)
        /// The attempt's end could not be written before the lease would have run out:
        /// the rescuer will end it.
        case recordingAbandoned
    }

    /// What the worker must do after an event.
    public enum Action: Sendable, Equatable {
        case none
        /// Stop the handler (cancel its task).
        case stopHandler(StopReason)
        /// Go on with the fenced commit.
        case commit
        /// Refuse the fenced commit without writing: throw ``LeaseLost``.
        case refuseCommit
        /// Queue the job for the next batched completion.
        case completeInBatch
        /// Write the failure: retry, dead or cancelled.
        case recordFailure(Failure)
        /// Give the job back without counting the attempt.
        case release
        /// Write the timeout (``AttemptOutcome/timedOut``: the job retries or is dead),
        /// and free the slot whether or not the handler has returned.
        case recordTimeout
    }

    /// The job this lease is on.
    public let job: ClaimedJob
    public private(set) var state: State = .claimed
    /// How the attempt ended, once it has: what the database recorded, or
    /// `leaseExpired` when this worker gave the lease up.
    public private(set) var outcome: AttemptOutcome?
    /// When this worker can no longer vouch for the lease, by its own clock: counted
    /// from before the statement that set the server's expiry was sent, so it falls
    /// before the server's.
    public private(set) var deadline: ContinuousClock.Instant
    /// How many fenced commits the attempt has begun: what tells a heartbeat's
    /// answer sent before the last one apart from a fresh one.
    private var commitsBegun = 0
    /// The timeout passed while a fenced commit was in flight: if the commit fails
    /// without a verdict, the timeout is what ends the attempt.
    private var timeoutPassedInCommit = false
    /// In `timingOut`: the worker has been told to write the timeout (once).
    private var timeoutWriteBegun = false

    /// What a heartbeat takes along when it sends an extension: nil when the
    /// lease is not the heartbeat's to extend (its end is being written, or has been).
    public var heartbeatTicket: Int? {
        state == .claimed || state == .running ? commitsBegun : nil
    }

    /// A lease whose server-side expiry was set by a statement sent at `setAt`.
    public init(job: ClaimedJob, setAt: ContinuousClock.Instant) {
        self.job = job
        self.deadline = setAt + job.leaseDuration
    }

    /// Applies an event; returns what to do next.
    public mutating func apply(_ event: Event) throws(LeaseTransitionError) -> Action {
        switch (state, event) {
        case (.claimed, .start):
            state = .running
            return .none
        // Lost before its handler started (a heartbeat, an operator's cancel): it must not start.
        case (.expired, .start):
            return .stopHandler(.leaseLost)

        case (.claimed, .extended(let until, let ticket)) where ticket == commitsBegun,
             (.running, .extended(let until, let ticket)) where ticket == commitsBegun:
            deadline = until
            return .none
        case (_, .extended):
            // An answer to a heartbeat sent before the attempt's last commit began.
            return .none

        case (.claimed, .lost(let ticket)) where ticket == commitsBegun, (.running, .lost(let ticket)) where ticket == commitsBegun:
            expire()
            return .stopHandler(.leaseLost)
        case (.claimed, .clock(let now)) where now >= deadline, (.running, .clock(let now)) where now >= deadline:
            expire()
            return .stopHandler(.leaseLost)
        case (_, .lost), (_, .clock):
            return .none

        // A handler's fenced commit still in flight is stopped too: a commit the
        // database blocks (a lock held elsewhere) must not hold the shutdown past its
        // grace. Cancelled, the server rolls it back and the job is given back, unless
        // its COMMIT already went through (then it is recorded as committed). Other
        // writes in `committing` have no handler left to stop and bound themselves.
        case (.claimed, .shutdownGraceOver), (.running, .shutdownGraceOver), (.committing, .shutdownGraceOver):
            return .stopHandler(.shutdown)
        case (_, .shutdownGraceOver):
            return .none

        case (.running, .beginCommit):
            state = .committing
            commitsBegun += 1
            return .commit
        case (.expired, .beginCommit):
            return .refuseCommit
        case (.committing, .commitFailed) where timeoutPassedInCommit:
            state = .timingOut
            return .stopHandler(.timedOut)
        case (.committing, .commitFailed):
            state = .running
            return .none
        // Nothing may commit once the worker has given the job up for its timeout, or
        // the timeout's write found it had moved on: the handler may still be running.
        case (.timingOut, .beginCommit), (.timedOut, .beginCommit), (.fenced, .beginCommit):
            return .refuseCommit

        case (.running, .timeoutPassed):
            state = .timingOut
            return .stopHandler(.timedOut)
        // The handler's commit is on its way: stopped (cancelled), it decides (see commitFailed).
        case (.committing, .timeoutPassed):
            timeoutPassedInCommit = true
            return .stopHandler(.timedOut)
        case (_, .timeoutPassed):
            return .none
        case (.timingOut, .handlerAbandoned), (.timingOut, .handlerReturned), (.timingOut, .handlerThrew),
             (.timingOut, .handlerStopped):
            guard !timeoutWriteBegun else { return .none }
            timeoutWriteBegun = true
            return .recordTimeout
        // Stopped inside its commit: the worker waits for the commit's verdict.
        case (.committing, .handlerAbandoned):
            return .none
        case (.timedOut, .handlerReturned), (.timedOut, .handlerThrew), (.timedOut, .handlerStopped),
             (.fenced, .handlerStopped(.timedOut)), (.committed, .handlerStopped(.timedOut)):
            return .none
        case (.timingOut, .recorded(.timedOut)):
            state = .timedOut
            outcome = .timedOut
            return .none
        case (.timingOut, .recorded(.fenced)):
            state = .fenced
            outcome = .fenced
            return .none
        case (.timingOut, .recordingAbandoned):
            expire()
            return .none

        case (.running, .handlerReturned):
            state = .committing
            return .completeInBatch
        // It committed its own effects, or there is nothing left to write.
        case (.committed, .handlerReturned), (.fenced, .handlerReturned), (.expired, .handlerReturned):
            return .none

        case (.running, .handlerThrew(let failure)):
            state = .committing
            return .recordFailure(failure)
        // An error after the attempt's end was decided changes nothing.
        case (.committed, .handlerThrew), (.fenced, .handlerThrew), (.expired, .handlerThrew):
            return .none

        case (.running, .handlerStopped(.shutdown)):
            state = .committing
            return .release
        // Stopped after the lease was lost: nothing to give back. Stopped at
        // shutdown while its commit was already on its way: the commit decided.
        case (.expired, .handlerStopped), (.committed, .handlerStopped(.shutdown)), (.fenced, .handlerStopped(.shutdown)):
            return .none

        case (.committing, .recorded(let outcome)):
            switch outcome {
            case .succeeded: state = .committed
            case .retry, .dead: state = .failed
            case .cancelled: state = .cancelled
            case .released: state = .released
            case .fenced: state = .fenced
            case .running, .leaseExpired, .timedOut: throw LeaseTransitionError(from: state, event: event)
            }
            self.outcome = outcome
            return .none
        case (.committing, .recordingAbandoned):
            expire()
            return .none

        default:
            throw LeaseTransitionError(from: state, event: event)
        }
    }
}

extension Lease {
    private mutating func expire() {
        state = .expired
        outcome = .leaseExpired
    }
}

/// An event the lease's state does not allow: a bug in the worker, never the database's doing.
public struct LeaseTransitionError: Error, Equatable, CustomStringConvertible {
    public let from: Lease.State
    public let event: Lease.Event

    public var description: String { "lease: event \(event) is not allowed in state \(from.rawValue)" }
}
