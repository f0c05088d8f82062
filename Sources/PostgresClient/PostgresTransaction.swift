import BenefitCore

/// How strictly a transaction is isolated from concurrent ones.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// With `maxAttempts` above 1, a serialization failure or deadlock (SQLSTATE
    /// 40001, 40P01), including one raised by COMMIT, rolls back and runs `body`
    /// again after a short jittered pause. Only opt in when `body` has no effect
    /// outside the database, since it may run more than once.
    ///
    /// It and `body` run where the caller runs: lent by a pool, on the
    /// connection's own thread (``PostgresPool/withConnection(_:)``), so BEGIN,
    /// the body's statements and COMMIT cost no thread hop each.
    @discardableResult
    public nonisolated(nonsending) func transaction<Result: Sendable>(
        isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 1,
        _ body: nonisolated(nonsending) @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            try await begin(isolation)
            do {
                let result = try await body(self)
                try await query("COMMIT")
                return result
            } catch {
                await rollbackQuietly()
                guard let failure = error as? PostgresError, failure.isTransient, attempt < maxAttempts else { throw error }
                logger.debug("retrying transaction after \(failure.sqlState ?? "")", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: Backoff.delay(attempt: attempt, initial: .milliseconds(20), max: .milliseconds(640)))
                attempt += 1
            }
        }
    }

    private func begin(_ isolation: IsolationLevel) throws {
        switch isolation {
        case .readCommitted: try query("BEGIN")
        case .repeatableRead: try query("BEGIN ISOLATION LEVEL REPEATABLE READ")
        case .serializable: try query("BEGIN ISOLATION LEVEL SERIALIZABLE")
        }
    }

    /// Rolls back if a transaction is open; a broken connection is left for the pool to discard.
    private func rollbackQuietly() {
        guard inTransaction else { return }
        _ = try? query("ROLLBACK")
    }
}
