import BenefitScheduler
import PostgresClient

/// The drill program's statements: its synthetic population, and its effects in `benefit.drill_effect`.
enum DrillQueries {
    /// Run by the planning job: `members` synthetic members `D-0000001`, ... ranked in that order.
    static func population(members: Int) -> PostgresQuery {
        "SELECT 'D-' || lpad(g::text, 7, '0'), g FROM generate_series(1, \(members)) AS g"
    }

    /// Run by a batch job in its fenced commit: one row per member.
    static func recordEffects(_ batch: RunBatch) -> PostgresQuery {
        """
        INSERT INTO benefit.drill_effect (job_id, run_id, member_id)
        SELECT \(batch.jobID), \(batch.run.runID), unnest(\(batch.memberIDs))
        """
    }
}
