import BenefitTestSupport
import PostgresClient
import Testing

/// How the queue's functions are planned (migrations/0029_queue_without_jit.sql).
@Suite("Queue: plan settings")
struct QueuePlanSettingsTests {
    static let hotFunctions = [
        "claim_jobs", "claim_jobs_with_timeouts", "enqueue_jobs", "enqueue_jobs_alike", "complete_jobs", "extend_leases", "fail_job", "release_jobs",
        "rescue_expired_jobs", "held_attempts", "open_fenced_commit", "fenced_commit_job", "close_fenced_commit", "job_timeouts",
    ]

    @Test("no function of the queue compiles its plans with JIT, whatever the server's setting")
    func queueFunctionsNeverJIT() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let settings = try await pool.query("""
                SELECT p.proname, coalesce('jit=off' = ANY (p.proconfig), false) FROM pg_proc p
                WHERE p.pronamespace = 'benefit'::regnamespace AND p.proname = ANY (\(Self.hotFunctions))
                ORDER BY p.proname
                """).decode((String, Bool).self)
            #expect(settings.map(\.0) == Self.hotFunctions.sorted())
            let planned = settings.filter { !$0.1 }.map(\.0)
            #expect(planned.isEmpty, "functions that may JIT: \(planned)")
        }
    }
}
