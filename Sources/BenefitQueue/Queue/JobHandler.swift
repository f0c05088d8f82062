import Foundation
import Logging
import PostgresClient

/// Runs one kind of job.
///
/// A handler that writes effects does so through ``JobContext/commit(isolation:_:)``,
/// so its effects and the job's completion commit together behind the lease fence.
/// A handler that returns without committing is completed by the worker (batched).
/// Throwing a ``JobFailure`` whose `isRetryable` is false sends the job to dead
/// at once; ``JobCancelled`` cancels it; any other error retries with backoff
/// until `maxAttempts`.
public protocol JobHandler: Sendable {
    /// The job kind this handler runs.
    var kind: String { get }
    func run(_ context: JobContext) async throws
}

/// The handlers a worker can run, by kind.
public struct HandlerRegistry: Sendable {
    private var handlers: [String: any JobHandler] = [:]

    public init(_ handlers: [any JobHandler] = []) {
        for handler in handlers { register(handler) }
    }

    /// Adds a handler; a later one for the same kind replaces the earlier.
    public mutating func register(_ handler: any JobHandler) {
        handlers[handler.kind] = handler
    }

    public func handler(for kind: String) -> (any JobHandler)? { handlers[kind] }

    public var kinds: [String] { handlers.keys.sorted() }
}

/// What a handler gets: its job, a logger carrying the job's metadata, and the fenced commit.
public struct JobContext: Sendable {
    public let job: ClaimedJob
    let queue: JobQueue
    let lease: HeldLease
    let metrics: WorkerMetrics

    /// The worker's logger with the job's metadata (its id, kind, attempt, lease and group).
    public var logger: Logger { lease.logger }

    /// The worker's connection pool, for reads outside the fenced commit.
    public var pool: PostgresPool { queue.pool }

    /// Runs `effects` in the transaction that completes the job, which commits
    /// only if this attempt still holds the job's lease; otherwise throws
    /// ``LeaseLost`` and nothing is written. Once per attempt. `effects` runs on
    /// the commit's connection's own thread, as any body a pool lends a
    /// connection to (``PostgresPool/withConnection(_:)``).
    ///
    /// - Parameter isolation: `.repeatableRead` when `effects` must read the
    ///   database as of one moment (a plan made from counts it then reads); the commit
    ///   is then tried again, whole, if a concurrent writer makes it fail to
    ///   serialise.
    @discardableResult
    public func commit<Result: Sendable>(
        isolation: IsolationLevel = .readCommitted, _ effects: nonisolated(nonsending) @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        // This worker already gave the lease up (its deadline passed, or a heartbeat
        // did not find it): write nothing, whatever the database would say.
        guard try lease.apply(.beginCommit) == .commit else {
            logger.notice("commit refused: this worker gave the lease up")
            metrics.fencedCommits.increment()
            throw LeaseLost(lease: job.leaseKey)
        }
        do {
            let result = try await queue.commit(job.leaseKey, isolation: isolation, effects)
            try lease.apply(.recorded(.succeeded))
            return result
        } catch let lost as LeaseLost {
            try lease.apply(.recorded(.fenced))
            throw lost
        } catch {
            try lease.apply(.commitFailed)
            throw error
        }
    }
}
