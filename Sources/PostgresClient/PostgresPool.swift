import BenefitCore
import CoreMetrics
import Dispatch
import Logging
import Synchronization

/// A bounded set of connections shared by many tasks.
///
/// At most `maxConnections` are open at once; a task that finds none free waits
/// (and stops waiting if cancelled). A connection that broke (the server
/// restarted, the network failed) or was left inside a transaction is closed
/// instead of being handed out again, so after a restart the next lease opens a
/// fresh connection. The pool never retries a statement by itself: whether that
/// is safe is the caller's decision.
///
/// Each connection opened to replace one that broke is counted in
/// `benefit_database_reconnects_total` (docs/operations.md, Metrics).
public final class PostgresPool: Sendable {
    public let configuration: PostgresConfiguration
    /// The most connections open at once. Default 8.
    public let maxConnections: Int
    private let logger: Logger
    private let state = Mutex(State())
    private let reconnects = Counter(label: "benefit_database_reconnects_total")

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiterID = 0
        var closed = false
        /// Connections found broken and not yet replaced: the next ones opened are reconnects.
        var brokenNotReplaced = 0
    }

    /// What a waiting task is given: a connection, or the right to open one.
    private enum Grant: Sendable {
        case connection(PostgresConnection)
        case openSlot
    }

    private enum Step {
        case idle(PostgresConnection)
        case open
        case wait
        case closed
    }

    public init(configuration: PostgresConfiguration, maxConnections: Int = 8, logger: Logger = Logger(label: "benefit.postgres")) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maxConnections = maxConnections
        self.logger = logger
    }

    /// Lends a connection to `body` and takes it back afterwards.
    ///
    /// `body` runs on the connection's own thread, with the checks before and
    /// after it (``PostgresConnection/lend(checkingFirst:_:)``): its statements
    /// on the connection cost no thread hop each.
    @discardableResult
    public func withConnection<Result: Sendable>(
        _ body: nonisolated(nonsending) @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        while true {
            let (connection, fresh) = try await lease()
            // A task cancelled while it holds the connection (a worker shutting down, an
            // operator's Ctrl-C) cancels the statement it waits for: a statement blocked
            // on a lock or running long does not hold the task. The cancel request may
            // arrive after the statement ended, so such a connection is not lent again.
            // A server that does not answer the cancel (hung, or cut off by a network
            // that holds the connection open) would hold the task until TCP gives up, or
            // for good: the connection is cut if the body has not returned by then.
            let watch = CancelWatch()
            let loan = await withTaskCancellationHandler {
                // One that waited idle may have broken meanwhile (a server restart).
                await connection.lend(checkingFirst: !fresh, body)
            } onCancel: {
                watch.cancel(connection, cutAfter: Self.cancelAnswerLimit)
            }
            watch.bodyReturned()
            switch loan {
            case .refused:
                logger.debug("discarding a broken pooled connection")
                discardSlot(broken: true)
            case .returned(let result, let reusable):
                giveBack(connection, reusable: reusable, discard: watch.wasCancelled)
                return try result.get()
            }
        }
    }

    /// How long a statement of a cancelled task may take to return before its
    /// connection is cut (``PostgresConnection/cutConnection()``). A server answers
    /// a cancel within milliseconds: one silent for 2 s is taken as not answering at all.
    public static let cancelAnswerLimit: Duration = .seconds(2)

    /// Runs `body` in a transaction on a pooled connection; see ``PostgresConnection/transaction(isolation:maxAttempts:_:)``.
    @discardableResult
    public func transaction<Result: Sendable>(
        isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 1,
        _ body: nonisolated(nonsending) @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.transaction(isolation: isolation, maxAttempts: maxAttempts, body)
        }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Closes idle connections and refuses new leases; leased ones close when given back.
    public func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer { state.idle = []; state.waiters = [] }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        _ = idle
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .connectionClosed, message: "the connection pool is closed"))
        }
    }

    /// Whether a pooled connection answers `SELECT 1` within `limit`: what a
    /// daemon's readiness check (`/readyz`) asks. A connection is opened if none
    /// is idle; a statement still waiting at the limit is cancelled.
    public func isReachable(within limit: Duration) async -> Bool {
        do {
            _ = try await withDeadline(.now + limit) { try await self.query("SELECT 1") }
            return true
        } catch {
            return false
        }
    }

    /// How many connections are open now (idle or leased).
    public var openConnections: Int { state.withLock { $0.open } }

    /// Tasks waiting for a connection right now.
    public var waitingTasks: Int { state.withLock { $0.waiters.count } }

    // MARK: Leasing

    /// A connection to lend, and whether it is `fresh`: just opened, or handed
    /// over by a give-back that checked it. One taken from the idle list is not,
    /// and is checked as it is lent.
    private func lease() async throws -> (connection: PostgresConnection, fresh: Bool) {
        try Task.checkCancellation()
        let step: Step = state.withLock { state in
            if state.closed { return .closed }
            if let connection = state.idle.popLast() { return .idle(connection) }
            if state.open < maxConnections {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch step {
        case .closed:
            throw PostgresError(code: .connectionClosed, message: "the connection pool is closed")
        case .idle(let connection):
            return (connection, false)
        case .open:
            return (try await openConnection(), true)
        case .wait:
            switch try await waitForGrant() {
            case .connection(let connection): return (connection, true)
            case .openSlot: return (try await openConnection(), true)
            }
        }
    }

    /// Opens a connection for a slot already counted in `open`.
    private func openConnection() async throws -> PostgresConnection {
        do {
            let connection = try await PostgresConnection.connect(to: configuration, logger: logger)
            let replacesBroken = state.withLock { state in
                guard state.brokenNotReplaced > 0 else { return false }
                state.brokenNotReplaced -= 1
                return true
            }
            if replacesBroken { reconnects.increment() }
            return connection
        } catch {
            discardSlot()
            throw error
        }
    }

    private func waitForGrant() async throws -> Grant {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                state.withLock { state in
                    // Checked under the lock: either this sees the cancellation, or
                    // the handler below sees the registered waiter.
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        state.waiters.append((id: id, continuation: continuation))
                    }
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Takes back a lent connection: `reusable` is what its loan found after the
    /// body; `discard` closes it whole (its task was cancelled).
    private func giveBack(_ connection: PostgresConnection, reusable: Bool, discard: Bool) {
        if discard {
            // Its task was cancelled: closed whole, not broken.
            discardSlot()
            return
        }
        guard reusable else {
            logger.debug("closing a connection returned broken or inside a transaction")
            discardSlot(broken: true)
            return
        }
        let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
            if state.closed {
                state.open -= 1
                return nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.idle.append(connection)
            return nil
        }
        waiter?.resume(returning: .connection(connection))
    }

    /// Frees a slot whose connection is gone; a waiting task may open a new one in it.
    /// - Parameter broken: the connection broke (or was left inside a transaction):
    ///   the next connection opened replaces it and counts as a reconnect.
    private func discardSlot(broken: Bool = false) {
        let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
            if broken, !state.closed { state.brokenNotReplaced = min(state.brokenNotReplaced + 1, maxConnections) }
            if !state.closed, !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.open -= 1
            return nil
        }
        waiter?.resume(returning: .openSlot)
    }
}

/// What became of a task that holds a lent connection: whether it was cancelled,
/// and whether its body has returned since.
private final class CancelWatch: Sendable {
    private let state = Mutex<(cancelled: Bool, returned: Bool)>((false, false))

    var wasCancelled: Bool { state.withLock { $0.cancelled } }

    func bodyReturned() {
        state.withLock { $0.returned = true }
    }

    /// Asks the server to cancel the statement; cuts the connection if the body
    /// has not returned within `limit`.
    func cancel(_ connection: PostgresConnection, cutAfter limit: Duration) {
        state.withLock { $0.cancelled = true }
        connection.cancelRunningStatement()
        // Weakly: a connection given back and closed meanwhile is not kept open for this.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(limit.wholeMilliseconds)) { [weak connection] in
            guard let connection, !self.state.withLock({ $0.returned }) else { return }
            connection.logger.debug("cutting a connection whose cancelled statement did not return")
            connection.cutConnection()
        }
    }
}
