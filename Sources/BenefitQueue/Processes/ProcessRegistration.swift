import BenefitCore
import Logging
import PostgresClient
import ServiceLifecycle
import Synchronization

/// What a daemon says of itself in `benefit.processes`.
public struct ProcessDescription: Sendable {
    public enum Role: String, Sendable, Codable {
        case worker, scheduler, console
    }

    public var role: Role
    /// Name, host and pid (the same as in attempt rows and the leader lease).
    public var identity: WorkerIdentity
    public var version = BenefitVersion.current
    /// The queues a worker claims from.
    public var queues: [String] = []
    /// Jobs a worker runs at once.
    public var concurrency: Int?

    public init(role: Role, identity: WorkerIdentity, queues: [String] = [], concurrency: Int? = nil) {
        self.role = role
        self.identity = identity
        self.queues = queues
        self.concurrency = concurrency
    }
}

/// A process's state as it reports it; `benefit.processes` adds `gone` for one
/// that stopped reporting.
public enum ProcessState: String, Sendable, Codable {
    case running, draining, stopped, gone
}

/// Keeps a daemon's row in `benefit.processes`: registers it when it starts,
/// reports it alive every `heartbeat`, says `draining` as soon as its shutdown
/// begins (``markDraining()``) and `stopped` when its own graceful shutdown comes.
///
/// Put it first in the daemon's `ServiceGroup`: the group shuts services down in
/// reverse order, so it is told last, once the worker has drained, and the row
/// says stopped only when nothing is left running. A process killed outright
/// stops beating and is shown gone after `missedHeartbeats` heartbeats.
///
/// The registry never holds work up: while the database cannot be reached the
/// heartbeat logs the outage once and tries again on its next round; a row
/// pruned meanwhile (a process cut off for longer than the retention) is made
/// again.
public final class ProcessRegistration: Service, Sendable {
    public struct Configuration: Sendable {
        /// How often the process reports itself alive. Default 5 s.
        public var heartbeat: Duration = .seconds(5)
        /// Heartbeats missed before the process is shown gone. Default 3.
        public var missedHeartbeats = 3
        /// How long rows of stopped or gone processes are kept. Default 7 days.
        public var retention: Duration = .seconds(7 * 86_400)
        /// How often this process prunes rows past the retention. Default 1 hour.
        public var pruneInterval: Duration = .seconds(3_600)
        /// The longest the last write (stopped) may take at shutdown, besides the
        /// pool's cut of a connection whose cancel goes unanswered. Default 2 s.
        public var stopWriteTimeout: Duration = .seconds(2)

        public init() {}

        /// How long after its last heartbeat a process is shown gone.
        public var heartbeatTimeout: Duration { heartbeat * missedHeartbeats }
    }

    private struct Registered {
        let id: Int
        let secret: String
    }

    private struct State {
        var registered: Registered?
        var draining = false
        var lastPrune: ContinuousClock.Instant?
    }

    public let process: ProcessDescription
    public let configuration: Configuration
    private let pool: PostgresPool
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeup = Wakeup()
    private let outage = OutageLog()

    public init(pool: PostgresPool, process: ProcessDescription, configuration: Configuration = Configuration(), logger: Logger) {
        self.pool = pool
        self.process = process
        self.configuration = configuration
        self.logger = logger
    }

    /// The row's id once registered (tests, logs).
    public var processID: Int? { state.withLock { $0.registered?.id } }

    /// Shutdown has begun: the row says draining at once.
    public func markDraining() {
        state.withLock { $0.draining = true }
        wakeup.signal()
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // A heartbeat stuck on a cut network is cancelled when shutdown comes (the
            // pool cuts its connection when the cancel goes unanswered).
            await cancelWhenGracefulShutdown { await self.beat() }
            await cancelWhenGracefulShutdown { await self.wakeup.wait(timeout: self.configuration.heartbeat) }
        }
        // Cancelled outright (not a graceful end): the row goes gone by itself.
        guard !Task.isCancelled else { return }
        _ = try? await withDeadline(ContinuousClock.now + configuration.stopWriteTimeout) { await self.writeStopped() }
    }

    /// One round: register if not yet, else report alive; prune when due.
    func beat() async {
        let (registered, draining) = state.withLock { ($0.registered, $0.draining) }
        do {
            if let registered {
                let found = try await pool.query(
                    ProcessQueries.heartbeat(id: registered.id, secret: registered.secret, state: draining ? .draining : .running)
                ).single(Bool.self)
                if !found {
                    logger.notice("process row was pruned while this process was cut off: registering again")
                    state.withLock { $0.registered = nil }
                    try await register(draining: draining)
                }
            } else {
                try await register(draining: draining)
            }
            try await pruneIfDue()
            outage.recovered(logger: logger)
        } catch {
            // Cut short by shutdown (see run): not an outage.
            if Task.isCancelled { return }
            outage.failed("reporting this process in benefit.processes", error, logger: logger)
        }
    }

    private func register(draining: Bool) async throws {
        let (id, secret) = try await pool.query(ProcessQueries.register(process, heartbeatTimeout: configuration.heartbeatTimeout))
            .single((Int, String).self)
        state.withLock { $0.registered = Registered(id: id, secret: secret) }
        logger.debug("registered in benefit.processes", metadata: ["process_id": "\(id)"])
        if draining {
            _ = try await pool.query(ProcessQueries.heartbeat(id: id, secret: secret, state: .draining)).single(Bool.self)
        }
    }

    private func pruneIfDue() async throws {
        let now = ContinuousClock.now
        let due = state.withLock { state in
            guard state.lastPrune.map({ now - $0 >= configuration.pruneInterval }) ?? true else { return false }
            state.lastPrune = now
            return true
        }
        guard due else { return }
        let pruned = try await pool.query(ProcessQueries.prune(retention: configuration.retention)).single(Int.self)
        if pruned > 0 { logger.info("pruned rows of long-gone processes", metadata: ["rows": "\(pruned)"]) }
    }

    private func writeStopped() async {
        guard let registered = state.withLock({ $0.registered }) else { return }
        do {
            _ = try await pool.query(ProcessQueries.stopped(id: registered.id, secret: registered.secret)).single(Bool.self)
        } catch {
            logger.notice("could not record this process as stopped; it will be shown gone", metadata: ["error": "\(error)"])
        }
    }
}
