import PostgresClient

/// Operators' actions on runs.
public enum RunControl {
    /// Asks a run to stop: returns whether the request took (the run was pending or
    /// running), how many batches will now not start, and the run's state before
    /// the request; nil when there is no such run.
    public static func cancel(
        runID: Int, on pool: PostgresPool
    ) async throws -> (requested: Bool, stoppedBatches: Int, stateBefore: RunState)? {
        let (requested, stopped, state) = try await pool.query(RunQueries.cancel(runID: runID)).single((Int, Int, String?).self)
        guard let state, let stateBefore = RunState(rawValue: state) else { return nil }
        if requested == 1 {
            try await RunFinisher(pool: pool, logger: .init(label: "benefit.runs")).runOnce(runID: runID)
        }
        return (requested == 1, stopped, stateBefore)
    }
}
