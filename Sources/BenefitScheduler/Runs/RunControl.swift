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
}
