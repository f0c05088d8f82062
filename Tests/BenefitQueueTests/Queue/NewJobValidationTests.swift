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

    /// The jobs on which the check and the table disagree, each with what each said; the table refuses
    /// by a constraint (23514) or by `jsonb`'s reading of the payload (class 22, data exception).
    static func disagreements(_ jobs: [NewJob]) async throws -> [String] {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            var disagreements: [String] = []
            for job in jobs {
                let checked = (try? job.validate()) != nil
                let stored: Bool
                do {
                    try await JobQueue(pool: pool).enqueue(job)
                    stored = true
                } catch let error as PostgresError where error.sqlState == "23514" || error.sqlState?.hasPrefix("22") == true {
                    stored = false
                }
                if checked != stored {
                    disagreements.append("\(job.kind) on \(job.queue) with \(job.payload): checked \(checked), stored \(stored)")
                }
            }
            return disagreements
        }
    }

    @Test("a kind or queue name passes the check exactly when the job table's constraint accepts it")
    func namesAgreeWithTheTable() async throws {
        #expect(try await Self.disagreements(Self.names.flatMap { [NewJob(kind: $0), NewJob(kind: "noop", queue: $0)] }) == [])
    }

    @Test("a group passes the check exactly when the job table accepts its length, counted as PostgreSQL counts")
    func keyLengthsAgreeWithTheTable() async throws {
        // 150 × "e" + combining acute: 150 characters to Swift, 300 code points to PostgreSQL.
        let combining = String(repeating: "e\u{301}", count: 150)
        let keys = [String(repeating: "g", count: 200), String(repeating: "g", count: 201), combining, ""]
        #expect(try await Self.disagreements(keys.map { NewJob(kind: "noop", group: $0) }) == [])
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
            (NewJob(kind: "noop", uniqueKey: String(repeating: "e\u{301}", count: 101)), .uniqueKey),
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

    static let payloads = [
        #"{}"#, #"{"ms": 200}"#, #"{"a": "\u0000"}"#, #"{"a": {"b": ["x", "nul \u0000 inside"]}}"#, #"{"\u0000": 1}"#,
        #"{"a": "\ud800"}"#, #"{"a": "\udc00\ud800"}"#, #"{"a": "\ud83e\udde7"}"#, #"{"a": 1,}"#, #"{"a" 1}"#, "{\"a\": \"\u{1}\"}",
        #"{"a": "冬送温暖 🧧"}"#, #"{"a": -0.5e-3, "b": [true, false, null]}"#,
    ]

    @Test("a payload passes the check exactly when jsonb stores it: no U+0000, no half surrogate pair, valid JSON")
    func payloadsAgreeWithJSONB() async throws {
        #expect(try await Self.disagreements(Self.payloads.map { NewJob(kind: "noop", payload: $0) }) == [])
    }

    @Test("a payload's mistake is named with where it is", arguments: [
        (#"{"note": "a\u0000b"}"#, "note: contains U+0000 (NUL), which PostgreSQL cannot store in text"),
        (#"{"a": {"b": [1, "\u0000"]}}"#, "a.b[1]: contains U+0000 (NUL), which PostgreSQL cannot store in text"),
        (#"{"a": "\ud800"}"#, #"not valid JSON: \ud800 is half of a surrogate pair at character 8"#),
        (#"{"a": 1,}"#, "not valid JSON: expected a key in double quotes at character 9"),
        (#"[1]"#, #"not a JSON object: "[1]""#),
        (#"{"ms": 1e30}"#, "ms: 1e30 is out of range: numbers in a payload must be from -9223372036854775808 to 9223372036854775807"),
        (#"{"ms": 1e400}"#, "ms: 1e400 is out of range: numbers in a payload must be from -9223372036854775808 to 9223372036854775807"),
        (#"{"n": [9223372036854775808]}"#,
         "n[0]: 9223372036854775808 is out of range: numbers in a payload must be from -9223372036854775808 to 9223372036854775807"),
    ])
    func payloadProblems(payload: String, expected: String) {
        do {
            try NewJob(kind: "noop", payload: payload).validate()
            Issue.record("\(payload) passed the check")
        } catch {
            #expect(error.field == .payload)
            #expect(error.message == expected)
        }
    }

    @Test("the numbers a handler can read pass, to the ends of a 64-bit integer")
    func payloadNumbersInRange() {
        #expect(throws: Never.self) {
            try NewJob(kind: "noop", payload: #"{"a": 9223372036854775807, "b": -9223372036854775808, "c": 1.5e-300, "d": 12.25}"#).validate()
        }
    }

    @Test("a unique key, group or concurrency key holding U+0000 is refused, naming the field")
    func nulInKeys() {
        for (job, field) in [
            (NewJob(kind: "noop", uniqueKey: "a\u{0}"), InvalidJob.Field.uniqueKey),
            (NewJob(kind: "noop", group: "run:\u{0}"), .group),
            (NewJob(kind: "noop", concurrency: ConcurrencyGroup(key: "\u{0}", limit: 1)), .concurrency),
        ] {
            do {
                try job.validate()
                Issue.record("\(field) passed the check")
            } catch {
                #expect(error.field == field)
                #expect(error.message.contains("U+0000"))
            }
        }
    }
}
