import BenefitScheduler
import BenefitTestSupport
import Foundation
import Testing

@Suite("Wake-up")
struct WakeupTests {
    @Test("an idle worker picks up a new job on NOTIFY, well before its poll interval")
    func pickupHappensOnNotify() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            let queue = JobQueue(pool: pool)
            var settings = Worker.Configuration.forTests(queues: ["wake"], name: "idle")
            settings.pollInterval = .seconds(60)
            let worker = Worker(pool: pool, registry: HandlerRegistry(DiagnosticHandlers.all), configuration: settings, logger: TestDatabase.quietLogger)
            try await withWorker(worker) { () async throws in
                // Idle means: the worker's LISTEN is in place and it is waiting.
                #expect(try await eventually {
                    try await pool.query("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND state = 'idle'
                        """).single(Int.self) == 1
                })
                for _ in 0..<3 {
                    let enqueued = ContinuousClock.now
                    let (id, _) = try await queue.enqueue(NewJob(kind: "noop", queue: "wake"))
                    #expect(try await eventually(timeout: .seconds(10), every: .milliseconds(2)) {
                        try await queue.state(of: id) == .succeeded
                    })
                    let waited = ContinuousClock.now - enqueued
                    #expect(waited < .seconds(2), "picked up after \(waited), poll interval 60 s")
                }
            }
        }
    }
}
