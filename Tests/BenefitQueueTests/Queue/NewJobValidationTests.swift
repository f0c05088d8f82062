import BenefitQueue
import BenefitTestSupport
import PostgresClient
import Testing

@Suite("Jobs checked before they are sent")
struct NewJobValidationTests {
    static let names = [
        "noop", "a", "campaign.plan", "x:y-z_1", String(repeating: "k", count: 63), String(repeating: "k", count: 64),
        String(repeating: "k", count: 127), String(repeating: "k", count: 128), "Upper", "-lead", "_lead", "", "sp ace", "ü", "a/b",
    ]

    @Test("a kind or queue name passes the check exactly when the job table's constraint accepts it")
    func namesAgreeWithTheTable() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            for name in Self.names {
                for job in [NewJob(kind: name), NewJob(kind: "noop", queue: name)] {
                    let checked = (try? job.validate()) != nil
                    let stored: Bool
                    do {
                        try await JobQueue(pool: pool).enqueue(job)
                        stored = true
                    } catch let error as PostgresError where error.sqlState == "23514" {
                        stored = false
                    }
                    #expect(checked == stored, "\(job.kind) on \(job.queue): checked \(checked), stored \(stored)")
                }
            }
        }
    }

    @Test("each field out of bounds is refused, naming the field")
    func fieldsOutOfBounds() {
        let cases: [(NewJob, InvalidJob.Field)] = [
            (NewJob(kind: "noop", payload: "[1]"), .payload),
            (NewJob(kind: "noop", payload: "{"), .payload),
            (NewJob(kind: "noop", priority: 40_000), .priority),
            (NewJob(kind: "noop", maxAttempts: 0), .maxAttempts),
            (NewJob(kind: "noop", maxAttempts: 1_001), .maxAttempts),
            (NewJob(kind: "noop", lease: .milliseconds(99)), .lease),
            (NewJob(kind: "noop", lease: .seconds(86_401)), .lease),
            (NewJob(kind: "noop", backoffInitial: .seconds(20), backoffMax: .seconds(10)), .backoff),
            (NewJob(kind: "noop", uniqueKey: ""), .uniqueKey),
            (NewJob(kind: "noop", group: String(repeating: "g", count: 201)), .group),
            (NewJob(kind: "noop", concurrency: ConcurrencyGroup(key: "c", limit: 0)), .concurrency),
        ]
        for (job, field) in cases {
            #expect(throws: InvalidJob.self) { try job.validate() }
            do { try job.validate() } catch { #expect(error.field == field) }
        }
        #expect(throws: Never.self) {
            try NewJob(kind: "noop", payload: #"{"ms": 5}"#, maxAttempts: 1_000, lease: .milliseconds(100), group: "run:1",
                       concurrency: ConcurrencyGroup(key: "campaign:1", limit: 1)).validate()
        }
    }
}
