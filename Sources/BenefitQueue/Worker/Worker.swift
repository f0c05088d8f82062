import BenefitCore
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle
import Synchronization

/// Claims jobs from some queues and runs up to `concurrency` of them at once.
///
/// Inside, five loops share one task group: the claim loop (which owns the job
/// tasks), the listener (LISTEN wakes it when work arrives; polling is the
/// fallback), the heartbeat (extends every held lease in one statement, and stops
/// a job whose lease is gone or can no longer be vouched for), the completer
/// (marks effect-free jobs succeeded in batches) and the rescuer; the last four
/// are in `Worker+Loops.swift`. Each attempt's life is a ``Lease``: every
/// event is applied to it and its action carried out (docs/architecture.md walks
/// one lease from claim to commit).
///
/// Graceful shutdown (SIGTERM, SIGINT through a `ServiceGroup`): stop claiming,
/// let running jobs finish for up to `shutdownGracePeriod`, stop the rest and give
/// them back without counting the attempt, flush completions, return.
///
/// A lost database (restart, network) is logged once; the claim loop, the
/// listener and recording outcomes retry with backoff, the heartbeat and the
/// rescuer try again on their next round, and the worker carries on when it
/// returns.
public final class Worker: Service, Sendable {
    public struct Configuration: Sendable {
        /// Queues claimed from. Default `["default"]`.
        public var queues = ["default"]
        /// Jobs run at once by this worker. Default 10.
        public var concurrency = 10
        /// Recorded in attempt rows. Default `HOST-PID`.
        public var identity = WorkerIdentity()
        /// Poll interval when no notification arrives. Default 1 s.
        public var pollInterval: Duration = .seconds(1)
        /// Where new jobs are announced to this worker. Default `.poolDatabase`.
        public var listening = Listening.poolDatabase
        /// How long running jobs may finish after shutdown begins. Default 30 s.
        public var shutdownGracePeriod: Duration = .seconds(30)
        /// After the grace period, how long giving back the jobs left and writing the
        /// last completions may take; what is not written by then the rescuer takes
        /// when its lease runs out. Default 5 s: shutdown ends within the grace
        /// period, this twice (giving back, then the last completions) and a few
        /// `PostgresPool.cancelAnswerLimit` (statements cancelled on the way), even
        /// when the database blocks, cannot be reached or answers nothing.
        public var shutdownWriteTimeout: Duration = .seconds(5)
        /// Effect-free completions per statement, at most. Default 500.
        public var completionBatchSize = 500
        /// How long a finished job may wait for its batched completion. Default 5 ms.
        public var completionDelay: Duration = .milliseconds(5)
        /// While the queue is busy (the last claim filled every free slot), the next
        /// claim waits until at least this many slots are free, or `claimBatchWait`
        /// passed since the first one freed: a claim statement costs the server about
        /// as much as several jobs, so few large claims beat many small ones. An idle
        /// worker claims at once. Default: half of `concurrency`.
        public var claimBatchSize: Int?
        /// The longest a freed slot waits for others before a busy worker claims. Default 2 ms.
        public var claimBatchWait: Duration = .milliseconds(2)
        /// The rescuer's settings.
        public var rescuer = JobRescuer.Configuration()
        /// Told of every attempt's end. Default none.
        public var observers: [any JobObserver] = []
        /// This worker's row in `benefit.processes`, shown draining as soon as
        /// shutdown begins. Default none.
        public var registration: ProcessRegistration?

        public init() {}
    }

    public let configuration: Configuration
    let queue: JobQueue
    let registry: HandlerRegistry
    let logger: Logger

    let inFlight: InFlightJobs
    let completions = CompletionBuffer()
    let wakeup = Wakeup()
    /// Free slots at which an ending job wakes the claim loop (see `claimAndRun`).
    private let slotsWanted = Atomic<Int>(1)
    let completionWakeup = Wakeup()
    private let stopping = Latch()
    /// Whether the last claim statement succeeded (see ``isClaiming``).
    private let lastClaimSucceeded = Atomic<Bool>(false)
    let outage = OutageLog()
    let metrics: WorkerMetrics

    /// - Parameters:
    ///   - pool: should allow `concurrency + 4` connections (heartbeat, completer, rescuer, claims).
    public init(pool: PostgresPool, registry: HandlerRegistry, configuration: Configuration, logger: Logger) {
        self.queue = JobQueue(pool: pool)
        self.registry = registry
        self.configuration = configuration
        let metrics = WorkerMetrics(queues: configuration.queues, kinds: registry.kinds, concurrency: configuration.concurrency)
        self.metrics = metrics
        self.inFlight = InFlightJobs(metrics: metrics)
        var logger = logger
        logger[metadataKey: "worker"] = "\(configuration.identity.name)"
        self.logger = logger
    }

    public func run() async throws {
        logger.info("worker started", metadata: [
            "queues": "\(configuration.queues.joined(separator: ","))", "concurrency": "\(configuration.concurrency)",
            "kinds": "\(registry.kinds.joined(separator: ","))",
        ])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { loops in
                loops.addTask { await self.listen() }
                loops.addTask { await self.heartbeat() }
                loops.addTask { await self.watchDeadlines() }
                loops.addTask { await self.completeInBatches() }
                loops.addTask { await self.rescue() }
                loops.addTask { await self.keepAttemptPartitionsAhead() }
                await self.claimAndRun()
                loops.cancelAll()
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        _ = try? await withDeadline(ContinuousClock.now + configuration.shutdownWriteTimeout) { await self.flushCompletions() }
        logger.info("worker stopped")
    }

    /// Asks the worker to stop as on SIGTERM (for embedding and tests).
    public func beginShutdown() {
        stopping.fire()
        configuration.registration?.markDraining()
        wakeup.signal()
    }

    private var isStopping: Bool { stopping.isFired || Task.isCancelled }

    /// Whether the worker is taking jobs: its last claim reached the database and
    /// it is not shutting down. False before the first claim, from the first failed
    /// claim of an outage until one succeeds again, and once shutdown begins. What a
    /// worker's `/readyz` asks, with the database.
    public var isClaiming: Bool { lastClaimSucceeded.load(ordering: .relaxed) && !stopping.isFired }

    // MARK: Claiming

    /// Slots that must be free before a busy worker claims again.
    private var claimBatchSize: Int {
        min(max(configuration.claimBatchSize ?? configuration.concurrency / 2, 1), configuration.concurrency)
    }

    private func claimAndRun() async {
        await withDiscardingTaskGroup { jobs in
            var failures = 0
            // The last claim filled every slot it asked for: more jobs are waiting.
            var busy = false
            // While busy: when the first slot freed; claim no later than this plus claimBatchWait.
            var gatheringSince: ContinuousClock.Instant?
            while !isStopping {
                // Set before counting, so a job that ends in between still wakes us.
                slotsWanted.store(busy ? claimBatchSize : 1, ordering: .relaxed)
                let free = configuration.concurrency - inFlight.count
                if free <= 0 {
                    await wakeup.wait(timeout: configuration.pollInterval)
                    continue
                }
                if busy, free < claimBatchSize {
                    let since = gatheringSince ?? ContinuousClock.now
                    gatheringSince = since
                    let deadline = since + configuration.claimBatchWait
                    if ContinuousClock.now < deadline {
                        await wakeup.wait(timeout: deadline - ContinuousClock.now)
                        continue
                    }
                }
                gatheringSince = nil
                // Finished jobs ride along: one round trip and one commit for both.
                let done = completions.drain(max: configuration.completionBatchSize)
                let sentAt = ContinuousClock.now
                do {
                    let (claimed, completed) = try await claim(completing: done, limit: free)
                    lastClaimSucceeded.store(true, ordering: .relaxed)
                    failures = 0
                    outage.recovered(logger: logger)
                    settleCompletions(done, completed)
                    if isStopping {
                        // Claimed as shutdown began: given back at once, never run.
                        await giveBack(claimed)
                        break
                    }
                    for job in claimed {
                        let lease = HeldLease(job: job, claimedAt: sentAt, logger: logger)
                        inFlight.insert(lease)
                        jobs.addTask { await self.execute(lease) }
                    }
                    if !claimed.isEmpty { metrics.claimBatchSize.record(claimed.count) }
                    busy = claimed.count == free
                    if !busy {
                        slotsWanted.store(1, ordering: .relaxed)
                        await wakeup.wait(timeout: configuration.pollInterval)
                    }
                } catch {
                    completions.putBack(done)
                    if isStopping { break }
                    lastClaimSucceeded.store(false, ordering: .relaxed)
                    busy = false
                    failures += 1
                    outage.failed("claiming jobs", error, logger: logger)
                    await wakeup.wait(timeout: Self.reconnectDelay(failures))
                }
            }
            await drain()
        }
    }

    /// Sends a claim, with the completions that ride along. A claim waiting on the
    /// database when shutdown begins is cancelled, and its answer still awaited:
    /// the server may have claimed before the cancel reached it, and then the claim
    /// returns its jobs, which are given back. Dropping that answer left them
    /// running until their leases ran out. The wait is bounded even when the
    /// database answers nothing: the pool cuts a connection whose cancel goes
    /// unanswered. A cancelled claim's completions are written by the last flush.
    private func claim(
        completing done: [HeldLease], limit: Int
    ) async throws -> (claimed: [ClaimedJob], completed: [LeaseKey: AttemptOutcome]) {
        try await withThrowingTaskGroup(of: (claimed: [ClaimedJob], completed: [LeaseKey: AttemptOutcome])?.self) { group in
            group.addTask { [queue, configuration] in
                try await queue.completeAndClaim(
                    done.map(\.job.leaseKey), queues: configuration.queues, limit: limit, worker: configuration.identity)
            }
            group.addTask { [stopping] in
                _ = await stopping.wait()
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let answer = next { return answer }
                // Shutdown began: the claim is cancelled, and its answer awaited.
                group.cancelAll()
            }
            // Not reached: the claim's task ends with an answer or an error.
            throw CancellationError()
        }
    }

    /// Gives back jobs claimed as shutdown began, within the shutdown's write timeout;
    /// what is not given back the rescuer takes when its lease runs out.
    private func giveBack(_ claimed: [ClaimedJob]) async {
        guard !claimed.isEmpty else { return }
        do {
            _ = try await withDeadline(.now + configuration.shutdownWriteTimeout) { [queue] in
                try await queue.release(claimed.map(\.leaseKey))
            }
        } catch {
            logger.notice("jobs claimed as shutdown began were not given back; the rescuer will take them", metadata: [
                "jobs": "\(claimed.count)", "error": "\(error)",
            ])
        }
    }

    /// Waits for running jobs up to the grace period, then stops the rest.
    private func drain() async {
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        if inFlight.count > 0 {
            logger.info("shutting down: waiting for running jobs", metadata: ["running": "\(inFlight.count)"])
        }
        while inFlight.count > 0, ContinuousClock.now < deadline {
            await wakeup.wait(timeout: deadline - ContinuousClock.now)
        }
        if inFlight.count > 0 {
            logger.notice("grace period over: releasing running jobs", metadata: ["running": "\(inFlight.count)"])
            for lease in inFlight.snapshot() { apply(.shutdownGraceOver, to: lease) }
        }
    }

    // MARK: Running one job

    /// Runs one job's handler and carries out what its lease says to do when it ends.
    private func execute(_ lease: HeldLease) async {
        let job = lease.job
        let context = JobContext(job: job, queue: queue, lease: lease, metrics: metrics)
        let ending: Lease.Event
        var failure: (any Error)?
        do {
            // Lost before it started (its lease was taken away meanwhile): not run at all.
            guard apply(.start, to: lease) == .none else { throw HandlerStopped(reason: .leaseLost) }
            guard let handler = registry.handler(for: job.kind) else {
                throw PermanentFailure("no handler for kind \"\(job.kind)\" on this worker (it runs: \(registry.kinds.joined(separator: ", ")))")
            }
            try await runUntilStopped(lease) { try await handler.run(context) }
            ending = .handlerReturned
        } catch let stopped as HandlerStopped {
            ending = .handlerStopped(stopped.reason)
        } catch is CancellationError {
            // The worker is going away (SIGTERM's grace is over, or its task was
            // cancelled): the job is given back, not failed.
            ending = .handlerStopped(.shutdown)
        } catch {
            failure = error
            ending = .handlerThrew(Self.failure(of: error))
            lease.logger.debug("job error: \(error)")
        }
        await finish(lease, apply(ending, to: lease), failure: failure)
    }

    /// Carries out what the lease says to do at the attempt's end (`failure` is the
    /// handler's error, for a failure to write), frees the attempt's slot if it still
    /// holds one, and reports the end if it has come.
    private func finish(_ lease: HeldLease, _ action: Lease.Action, failure: (any Error)? = nil) async {
        let job = lease.job
        switch action {
        case .completeInBatch:
            if completions.add(lease) >= configuration.completionBatchSize { completionWakeup.signal() }
        case .recordFailure(let kind):
            let error = failure ?? PermanentFailure("failed")
            await record(lease, "failed") { try await self.queue.fail(job, kind, error: error) }
        case .recordTimeout:
            await record(lease, "timed out") { try await self.queue.timeOut(job) }
        case .release:
            // Shutdown's grace is over: a bounded try, and then the rescuer's.
            await record(lease, "released", within: configuration.shutdownWriteTimeout) {
                try await self.queue.release([job.leaseKey]).isEmpty ? .fenced : .released
            }
        case .none, .stopHandler, .commit, .refuseCommit:
            break
        }
        // Wake the claim loop only once enough slots are free for the claim it waits
        // to make (one job ending at a time would otherwise wake it per job).
        if let left = inFlight.remove(lease), configuration.concurrency - left >= slotsWanted.load(ordering: .relaxed) {
            wakeup.signal()
        }
        ended(lease)
    }

    /// How a handler's error asks its job to end.
    static func failure(of error: any Error) -> Lease.Failure {
        if error is JobCancelled { return .cancelled }
        return (error as? any JobFailure)?.isRetryable == false ? .permanent : .retryable
    }

    /// Runs `body` until it ends or the lease says to stop it, whichever comes
    /// first; when stopped, the body is cancelled and ``HandlerStopped`` is thrown.
    ///
    /// A job with a timeout has it applied to the lease when it passes, counted from
    /// here. A handler stopped for its timeout is not waited for before its timeout
    /// is written and its slot freed: it may ignore the stop, and whatever it still
    /// tries to commit is refused. It is waited for only before this returns, so the
    /// worker's task tree still holds it.
    func runUntilStopped(_ lease: HeldLease, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: HandlerRunEvent.self) { group in
            group.addTask {
                try await body()
                return .handlerEnded
            }
            group.addTask { throw HandlerStopped(reason: try await lease.stopRequested()) }
            if let timeout = lease.job.timeout {
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timeoutPassed
                }
            }
            defer { group.cancelAll() }
            do {
                // The timeout stops the handler through the lease: the stop comes next.
                while let next = try await group.next(), next == .timeoutPassed {
                    apply(.timeoutPassed, to: lease)
                }
            } catch let stopped as HandlerStopped where stopped.reason == .timedOut {
                group.cancelAll()
                // Not waiting for the handler: the timeout is written and the slot
                // freed now, unless the handler was stopped inside its fenced commit,
                // whose verdict (a rollback, once cancelled) the lease waits for.
                let action = apply(.handlerAbandoned, to: lease)
                if action == .recordTimeout { await finish(lease, action) }
                throw stopped
            }
        }
    }

    /// Writes an attempt's end, retrying through a database outage for one lease's
    /// length from now (or for `within`, when shorter); by then the lease has run
    /// out on the server and the rescuer owns the job (every write is fenced, so
    /// trying a little past the lease's end does no harm).
    private func record(
        _ lease: HeldLease, _ what: String, within limit: Duration? = nil, _ write: @escaping @Sendable () async throws -> AttemptOutcome
    ) async {
        var failures = 0
        let giveUp = ContinuousClock.now + min(lease.job.leaseDuration, limit ?? lease.job.leaseDuration)
        while true {
            do {
                let outcome = try await withDeadline(giveUp, write)
                outage.recovered(logger: logger)
                apply(.recorded(outcome), to: lease)
                return
            } catch {
                failures += 1
                outage.failed("recording job \(lease.job.id) as \(what)", error, logger: logger)
                if ContinuousClock.now >= giveUp {
                    apply(.recordingAbandoned, to: lease)
                    return
                }
                try? await Task.sleep(for: Self.reconnectDelay(failures))
            }
        }
    }

    // MARK: The lease's life

    /// Applies an event to a lease. An illegal transition is a bug in the worker:
    /// logged, and the job left to the rescuer.
    @discardableResult
    func apply(_ event: Lease.Event, to lease: HeldLease) -> Lease.Action {
        do {
            let action = try lease.apply(event)
            if case .stopHandler(.leaseLost) = action, let cause = Self.lossCause(event) {
                // Said when it happens: the attempt's end is logged only once its
                // handler returns, which a handler that ignores the stop may do late.
                lease.logger.notice("lease lost: handler stopped", metadata: ["cause": "\(cause)"])
                metrics.leasesLost.increment()
            }
            if case .stopHandler(.timedOut) = action {
                lease.logger.notice("handler ran past the job's timeout: stopped", metadata: [
                    "timeout": "\(lease.job.timeout.map(DurationText.format) ?? "none")",
                ])
            }
            return action
        } catch {
            lease.logger.error("\(error)")
            return .none
        }
    }

    /// Why a lease was given up, for the log; nil for an event that only repeats
    /// an earlier loss (a handler about to start on a lease already lost).
    private static func lossCause(_ event: Lease.Event) -> String? {
        switch event {
        case .lost: "a heartbeat did not find it"
        case .clock: "its deadline passed with no heartbeat to vouch for it"
        default: nil
        }
    }

    /// Records the outcomes of a batched completion on the leases it completed.
    func settleCompletions(_ leases: [HeldLease], _ outcomes: [LeaseKey: AttemptOutcome]) {
        for lease in leases {
            apply(.recorded(outcomes[lease.job.leaseKey] ?? .fenced), to: lease)
            ended(lease)
        }
    }

    /// If the attempt has come to its end and nobody reported it yet: log it, tell
    /// the observers. Called wherever an end may have been written; reports once.
    func ended(_ lease: HeldLease) {
        guard let outcome = lease.takeEnd() else { return }
        let duration = ContinuousClock.now - lease.claimedAt
        let level: Logger.Level = outcome == .succeeded ? .info : .notice
        // Asked first, so that a job whose end is not logged never makes its logger.
        if logger.logLevel <= level {
            lease.logger.log(level: level, "job \(outcome.rawValue)", metadata: ["duration_ms": "\(duration.wholeMilliseconds)"])
        }
        metrics.attemptEnded(lease.job, outcome: outcome, duration: duration)
        for observer in configuration.observers { observer.attemptEnded(lease.job, outcome: outcome) }
    }

    /// 100 ms doubling to 5 s: quick to notice a server back, gentle while it is down.
    static func reconnectDelay(_ failures: Int) -> Duration {
        Backoff.bound(attempt: failures, initial: .milliseconds(100), max: .seconds(5))
    }
}

/// Thrown inside a job when its lease said to stop its handler.
struct HandlerStopped: Error {
    let reason: Lease.StopReason
}

/// What ended first of a handler's run and its timeout (``Worker/runUntilStopped(_:_:)``).
enum HandlerRunEvent: Sendable {
    case handlerEnded
    case timeoutPassed
}
