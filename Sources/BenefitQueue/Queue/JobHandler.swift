import Foundation
import Logging
import PostgresClient
import Synchronization

/// Runs one kind of job.
///
/// A handler that writes effects does so through ``JobContext/commit(_:)``, so its
/// effects and the job's completion commit together behind the lease fence. A
/// handler that returns without committing is completed by the worker (batched).
/// Throwing a ``JobFailure`` whose `isRetryable` is false sends the job to dead
/// at once; any other error retries with backoff until `maxAttempts`.
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
    public let logger: Logger
    let queue: JobQueue
    let commitState: CommitState

    /// The worker's connection pool, for reads outside the fenced commit.
    public var pool: PostgresPool { queue.pool }

    /// Runs `effects` in the transaction that completes the job, which commits
    /// only if this attempt still holds the job's lease; otherwise throws
    /// ``LeaseLost`` and nothing is written.
    ///
    /// - Parameter isolation: `.repeatableRead` when `effects` must read the
    ///   database as of one moment (a run's plan and its population); the commit
    ///   is then tried again, whole, if a concurrent writer makes it fail to
    ///   serialise.
    @discardableResult
    public func commit<Result: Sendable>(
        isolation: IsolationLevel = .readCommitted, _ effects: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        commitState.begin()
        do {
            let result = try await queue.commit(jobID: job.id, token: job.leaseToken, isolation: isolation, effects)
            commitState.end(committed: true)
            return result
        } catch {
            commitState.end(committed: false)
            throw error
        }
    }
}

/// Where a job's fenced commit is: the worker completes a job only if its handler
/// did not commit, and the heartbeat does not judge a job's lease from the moment
/// its commit starts (once the commit holds the job row no one can take the
/// lease: the rescuer skips locked rows; before that, the commit's own fence
/// check decides) and once it has committed (the job is done).
final class CommitState: Sendable {
    private let committing = Atomic<Bool>(false)
    private let committed = Atomic<Bool>(false)

    func begin() { committing.store(true, ordering: .releasing) }

    func end(committed didCommit: Bool) {
        if didCommit { committed.store(true, ordering: .releasing) }
        committing.store(false, ordering: .releasing)
    }

    var isCommitted: Bool { committed.load(ordering: .acquiring) }

    /// True while a commit is under way or done: the heartbeat must not judge the lease.
    var holdsOrFinishedLease: Bool { committing.load(ordering: .acquiring) || isCommitted }
}
