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
/// (marks effect-free jobs succeeded in batches) and the rescuer.
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
        /// How long running jobs may finish after shutdown begins. Default 30 s.
        public var shutdownGracePeriod: Duration = .seconds(30)
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

        public init() {}
    }

    public let configuration: Configuration
    let queue: JobQueue
    let registry: HandlerRegistry
    let logger: Logger

    private let inFlight = InFlightJobs()
    private let completions = CompletionBuffer()
    private let wakeup = Wakeup()
    /// Free slots at which an ending job wakes the claim loop (see `claimAndRun`).
    private let slotsWanted = Atomic<Int>(1)
    private let completionWakeup = Wakeup()
    private let stopping = AbortSignal()
    private let outage = OutageLog()

    /// - Parameters:
    ///   - pool: should allow `concurrency + 4` connections (heartbeat, completer, rescuer, claims).
    public init(pool: PostgresPool, registry: HandlerRegistry, configuration: Configuration, logger: Logger) {
        self.queue = JobQueue(pool: pool)
        self.registry = registry
        self.configuration = configuration
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
                loops.addTask { await self.completeInBatches() }
                loops.addTask { await self.rescue() }
                await self.claimAndRun()
                loops.cancelAll()
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        await flushCompletions()
        logger.info("worker stopped")
    }

    /// Asks the worker to stop as on SIGTERM (for embedding and tests).
    public func beginShutdown() {
        stopping.fire(.shutdown)
        wakeup.signal()
    }

    private var isStopping: Bool { stopping.reason != nil || Task.isCancelled }

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
                    let (claimed, fenced) = try await queue.completeAndClaim(
                        done, queues: configuration.queues, limit: free, worker: configuration.identity)
                    failures = 0
                    outage.recovered(logger: logger)
                    logFenced(fenced)
                    for job in claimed {
                        let entry = inFlight.insert(job, leaseSetAt: sentAt)
                        jobs.addTask { await self.execute(entry) }
                    }
                    busy = claimed.count == free
                    if !busy {
                        slotsWanted.store(1, ordering: .relaxed)
                        await wakeup.wait(timeout: configuration.pollInterval)
                    }
                } catch {
                    completions.putBack(done)
                    busy = false
                    failures += 1
                    outage.failed("claiming jobs", error, logger: logger)
                    await wakeup.wait(timeout: Self.reconnectDelay(failures))
                }
            }
            await drain()
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
            inFlight.abortAll(.shutdown)
        }
    }

    // MARK: Running one job

    private func execute(_ entry: InFlightJobs.Entry) async {
        let job = entry.job
        let started = ContinuousClock.now
        var logger = self.logger
        // One update, not one per key: a handler (StreamLogHandler) re-renders all its
        // metadata on every change, which cost a noticeable share of a worker's CPU.
        logger.handler.metadata.merge(
            ["job_id": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempt)"]) { $1 }
        let context = JobContext(job: job, logger: logger, queue: queue, commitState: entry.commit)

        let outcome: String
        do {
            guard let handler = registry.handler(for: job.kind) else {
                throw PermanentFailure("no handler for kind \"\(job.kind)\" on this worker (it runs: \(registry.kinds.joined(separator: ", ")))")
            }
            try await Self.runUnlessAborted(entry.abort) { try await handler.run(context) }
            if !entry.commit.isCommitted {
                if completions.add(job.id, job.leaseToken) >= configuration.completionBatchSize { completionWakeup.signal() }
            }
            outcome = "succeeded"
        } catch let abort as JobAborted {
            switch abort.reason {
            case .leaseLost:
                outcome = "lease lost"
            case .shutdown:
                outcome = await release(job)
            }
        } catch is LeaseLost {
            outcome = "fenced"
        } catch {
            if error is CancellationError, stopping.reason != nil {
                outcome = await release(job)
            } else {
                let recorded = await persist(job, "failed") { try await self.queue.fail(job, error: error) }
                outcome = recorded ?? "failed (unrecorded: left to the rescuer)"
                logger.debug("job error: \(error)")
            }
        }
        // Wake the claim loop only once enough slots are free for the claim it waits
        // to make (one job ending at a time would otherwise wake it per job).
        if configuration.concurrency - inFlight.remove(job.id) >= slotsWanted.load(ordering: .relaxed) {
            wakeup.signal()
        }
        let duration = ContinuousClock.now - started
        logger.log(level: outcome == "succeeded" ? .info : .notice, "job \(outcome)", metadata: [
            "duration_ms": "\(duration.wholeMilliseconds)",
        ])
    }

    /// Runs `body` until it ends or `abort` fires, whichever comes first; on abort
    /// the body is cancelled and ``JobAborted`` is thrown.
    static func runUnlessAborted(_ abort: AbortSignal, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                if let reason = await abort.wait() { throw JobAborted(reason: reason) }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func release(_ job: ClaimedJob) async -> String {
        let released = await persist(job, "released") { try await self.queue.release([(job.id, job.leaseToken)]) }
        return released == nil ? "released (unrecorded: left to the rescuer)" : "released"
    }

    /// Records an attempt's end, retrying through a database outage while the lease
    /// lasts; after that the rescuer owns the job (nil).
    private func persist<Result: Sendable>(
        _ job: ClaimedJob, _ what: String, _ write: @Sendable () async throws -> Result
    ) async -> Result? {
        var failures = 0
        let giveUp = ContinuousClock.now + job.lease
        while true {
            do {
                let result = try await write()
                outage.recovered(logger: logger)
                return result
            } catch {
                failures += 1
                outage.failed("recording job \(job.id) as \(what)", error, logger: logger)
                if ContinuousClock.now >= giveUp { return nil }
                try? await Task.sleep(for: Self.reconnectDelay(failures))
            }
        }
    }

    // MARK: Background loops

    private func listen() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(to: queue.pool.configuration, logger: logger)
                try await connection.listen(JobQueries.channel)
                failures = 0
                // Anything enqueued while we were not listening has not been announced.
                wakeup.signal()
                for try await notification in connection.notifications()
                where configuration.queues.contains(notification.payload) {
                    wakeup.signal()
                }
                return
            } catch {
                failures += 1
                outage.failed("listening for new jobs", error, logger: logger)
                try? await Task.sleep(for: Self.reconnectDelay(failures))
            }
        }
    }

    private func heartbeat() async {
        while !Task.isCancelled {
            let shortestLease = inFlight.snapshot().map(\.job.lease).min() ?? .seconds(1)
            try? await Task.sleep(for: max(.milliseconds(20), min(shortestLease / 3, .seconds(10))))
            let entries = inFlight.leasesToExtend()
            guard !entries.isEmpty, !Task.isCancelled else { continue }
            let sentAt = ContinuousClock.now
            do {
                let held = try await queue.extendLeases(entries.map { ($0.job.id, $0.job.leaseToken) })
                for entry in entries {
                    if held.contains(entry.job.id) {
                        inFlight.extended(entry.job.id, sentAt: sentAt)
                    } else if !entry.commit.holdsOrFinishedLease {
                        // Not extended and not in (or past) its own commit: the lease is gone.
                        entry.abort.fire(.leaseLost)
                    }
                }
            } catch {
                outage.failed("extending leases", error, logger: logger)
                // A worker that cannot extend its lease stops that job's work.
                inFlight.abortExpired(now: ContinuousClock.now)
            }
        }
    }

    /// Completes finished jobs that no claim took along: those that have waited
    /// `completionDelay` (the queue went quiet, or every slot is taken by long
    /// jobs), or a full batch at once.
    private func completeInBatches() async {
        while !Task.isCancelled {
            let (_, oldest) = completions.waiting
            let waited = oldest.map { ContinuousClock.now - $0 } ?? .zero
            await completionWakeup.wait(timeout: configuration.completionDelay - waited)
            guard !Task.isCancelled else { return }
            let (count, since) = completions.waiting
            guard let since else { continue }
            if count < configuration.completionBatchSize, ContinuousClock.now - since < configuration.completionDelay { continue }
            await flushCompletions()
        }
    }

    private func flushCompletions() async {
        var failures = 0
        while true {
            let batch = completions.drain(max: configuration.completionBatchSize)
            if batch.isEmpty { return }
            do {
                let fenced = try await queue.completeMany(batch)
                outage.recovered(logger: logger)
                logFenced(fenced)
            } catch {
                completions.putBack(batch)
                failures += 1
                outage.failed("completing jobs", error, logger: logger)
                if Task.isCancelled || failures > 50 { return }
                try? await Task.sleep(for: Self.reconnectDelay(failures))
            }
        }
    }

    private func logFenced(_ fenced: [LeaseToken]) {
        if !fenced.isEmpty {
            logger.notice("completions fenced: leases were lost first", metadata: ["count": "\(fenced.count)"])
        }
    }

    private func rescue() async {
        let rescuer = JobRescuer(pool: queue.pool, configuration: configuration.rescuer, logger: logger)
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.rescuer.interval)
            guard !Task.isCancelled else { return }
            do {
                try await rescuer.runOnce()
            } catch {
                outage.failed("rescuing expired leases", error, logger: logger)
            }
        }
    }

    /// 100 ms doubling to 5 s: quick to notice a server back, gentle while it is down.
    static func reconnectDelay(_ failures: Int) -> Duration {
        Backoff.bound(attempt: failures, initial: .milliseconds(100), max: .seconds(5))
    }
}

/// Thrown inside a job when its abort signal fired.
struct JobAborted: Error {
    let reason: AbortReason
}
