import Foundation

/// The statements on `benefit.run`, named for who runs them.
enum RunQueries {
    /// Run by the finisher: every running run (or a cancel-requested pending one)
    /// with no job left to run gets its final state.
    static func finishDone(runID: Int?) -> PostgresQuery {
        """
        WITH done AS (
            SELECT r.id FROM benefit.run r
            WHERE (r.state = 'running' OR (r.state = 'pending' AND r.cancel_requested))
              AND (\(runID)::bigint IS NULL OR r.id = \(runID))
              AND NOT EXISTS (
                  SELECT 1 FROM benefit.job j WHERE j.run_id = r.id AND j.state IN ('available', 'running'))
            FOR UPDATE SKIP LOCKED
        )
        UPDATE benefit.run r
        SET state = CASE
                WHEN r.cancel_requested THEN 'cancelled'
                WHEN EXISTS (SELECT 1 FROM benefit.job j WHERE j.run_id = r.id AND j.state = 'dead') THEN 'failed'
                ELSE 'succeeded' END,
            finished_at = now()
        FROM done WHERE r.id = done.id
        RETURNING r.id, r.state
        """
    }

    /// Run by `benefit jobs retry --run`: a failed run whose dead jobs are back on the queue goes on.
    static func reopen(runID: Int) -> PostgresQuery {
        """
        UPDATE benefit.run SET state = 'running', finished_at = NULL
        WHERE id = \(runID) AND state = 'failed'
          AND EXISTS (SELECT 1 FROM benefit.job WHERE run_id = \(runID) AND state IN ('available', 'running'))
        """
    }

    /// Run by `benefit runs cancel`: no new batch starts; running ones end; the
    /// finisher then marks the run cancelled.
    static func cancel(runID: Int) -> PostgresQuery {
        """
        WITH requested AS (
            UPDATE benefit.run SET cancel_requested = true
            WHERE id = \(runID) AND state IN ('pending', 'running')
            RETURNING id
        ), stopped AS (
            UPDATE benefit.job SET state = 'cancelled', finished_at = now()
            WHERE run_id IN (SELECT id FROM requested) AND state = 'available'
            RETURNING id
        )
        SELECT (SELECT count(*) FROM requested), (SELECT count(*) FROM stopped)
        """
    }
}
