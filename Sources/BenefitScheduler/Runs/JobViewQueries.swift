import PostgresClient

/// The statements on the runs layer's views of the queue (`benefit.jobs`,
/// `benefit.job_attempts`, migrations/0009_generic_queue.sql), named for who runs
/// them. Only administrators read these views (docs/architecture.md).
enum JobViewQueries {
    /// Run by the console's job page: one job's row.
    static func job(id: Int) -> PostgresQuery {
        """
        SELECT job_id, queue, kind, state, priority, attempt, max_attempts, run_at, run_id, unique_key,
               created_at, finished_at, last_error
        FROM benefit.jobs WHERE job_id = \(id)
        """
    }

    /// The columns ``JobHistory/attempt(from:)`` reads, in its order.
    static let attempts: PostgresQuery = """
        SELECT job_id, run_id, campaign, attempt, worker, host, started_at, finished_at, outcome, error
        FROM benefit.job_attempts
        """

    /// Run by the console's run page: the run's attempts, newest first. The view
    /// finds a run's jobs by their group (job_group_idx); the limit bounds a run of
    /// many thousand batches to a page's worth.
    static func attempts(runID: Int, limit: Int) -> PostgresQuery {
        "\(subquery: attempts) WHERE run_id = \(runID) ORDER BY started_at DESC, job_id DESC, attempt DESC LIMIT \(limit)"
    }

    /// Run by the console's job page: one job's attempts, newest first.
    static func attempts(jobID: Int, limit: Int) -> PostgresQuery {
        "\(subquery: attempts) WHERE job_id = \(jobID) ORDER BY attempt DESC, started_at DESC LIMIT \(limit)"
    }
}
