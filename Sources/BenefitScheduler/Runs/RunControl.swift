/// Operators' actions on runs.
public enum RunControl {
    /// Asks a run to stop: returns whether the request took (the run was pending or
    /// running) and how many batches will now not start; nil when there is no such run.
    public static func cancel(runID: Int, on pool: PostgresPool) async throws -> (requested: Bool, stoppedBatches: Int)? {
        let (requested, stopped) = try await pool.query(RunQueries.cancel(runID: runID)).single((Int, Int).self)
        if requested == 0, try await RunHistory.find(runID, on: pool) == nil { return nil }
        try await RunFinisher(pool: pool, logger: .init(label: "benefit.runs")).runOnce(runID: runID)
        return (requested == 1, stopped)
    }

    /// Puts a run's dead batches back on the queue with fresh attempts, and lets a
    /// failed run go on. Returns the retried job ids.
    public static func retryDead(runID: Int, on pool: PostgresPool) async throws -> [Int] {
        try await pool.transaction { transaction in
            let retried = try await transaction.query(JobQueries.retryDead(id: nil, runID: runID)).decode(Int.self)
            try await transaction.query(RunQueries.reopen(runID: runID))
            return retried
        }
    }
}
