import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Synchronization
import Testing

@Suite("COPY and pipelining")
struct BulkTests {
    @Test("COPY of 100,000 rows lands every row, awkward text included")
    func copyLandsAllRows() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE members (member_id text PRIMARY KEY, name text, tier int, amount numeric(12,2), joined date)")
            let joined = CalendarDate(year: 2020, month: 1, day: 1)!
            let copied = try await connection.copyIn("COPY members (member_id, name, tier, amount, joined) FROM STDIN") { writer in
                for index in 0..<100_000 {
                    let tier: Int? = index % 10 == 0 ? nil : index % 3 + 1
                    try writer.appendRow("M-\(index)", "名\t\\N\n\(index)", tier, Decimal(index) / 100, joined.adding(days: index % 365))
                }
            }
            #expect(copied == 100_000)
            let (count, nullTiers, total) = try await connection.query(
                "SELECT count(*), count(*) FILTER (WHERE tier IS NULL), sum(amount) FROM members"
            ).single((Int, Int, Decimal).self)
            #expect(count == 100_000)
            #expect(nullTiers == 10_000)
            #expect(total == Decimal(string: "49999500")!)
            let name = try await connection.query("SELECT name FROM members WHERE member_id = \("M-7")").single(String.self)
            #expect(name == "名\t\\N\n7")
        }
    }

    @Test("a COPY whose writer throws loads nothing")
    func abortedCopyLoadsNothing() async throws {
        struct BadRow: Error {}
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE members (member_id text)")
            await #expect(throws: BadRow.self) {
                try await connection.copyIn("COPY members FROM STDIN") { writer in
                    for index in 0..<50_000 { try writer.appendRow("M-\(index)") }
                    throw BadRow()
                }
            }
            #expect(try await connection.query("SELECT count(*) FROM members").single(Int.self) == 0)
            #expect(await connection.isReusable())
        }
    }

    @Test("a pipeline runs every statement and returns each result in order")
    func pipelineReturnsResultsInOrder() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE effects (id int PRIMARY KEY)")
            let inserts: [PostgresQuery] = (0..<5_000).map { "INSERT INTO effects VALUES (\($0))" }
            let results = try await connection.pipeline(inserts + ["SELECT count(*) FROM effects"])
            #expect(results.count == 5_001)
            #expect(results[0].affectedRows == 1)
            #expect(try results[5_000].single(Int.self) == 5_000)
        }
    }

    @Test("a failing statement in a pipeline throws and the batch leaves nothing")
    func pipelineErrorRollsBackTheBatch() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE effects (id int PRIMARY KEY)")
            let inserts: [PostgresQuery] = (0..<100).map { "INSERT INTO effects VALUES (\($0 == 60 ? 5 : $0))" }
            let error = await #expect(throws: PostgresError.self) { try await connection.pipeline(inserts) }
            #expect(error?.sqlState == "23505")
            #expect(try await connection.query("SELECT count(*) FROM effects").single(Int.self) == 0)
            #expect(await connection.isReusable())
        }
    }

    @Test("a pipeline that makes each statement as it sends it runs them all, in order, in one transaction of its own")
    func pipelineMakingStatementsRunsThemInOneTransaction() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE effects (id int PRIMARY KEY, tx xid8 NOT NULL)")
            let results = try await connection.pipeline(count: 200) { index in
                "INSERT INTO effects VALUES (\(index), pg_current_xact_id()) RETURNING id"
            }
            let ids = try results.map { rows in try rows.single(Int.self) }
            #expect(ids == Array(0..<200))
            let (rows, transactions) = try await connection.query("SELECT count(*), count(DISTINCT tx) FROM effects").single((Int, Int).self)
            #expect(rows == 200)
            #expect(transactions == 1)
            #expect(await !connection.inTransaction)
        }
    }

    @Test("a statement that cannot be made stops the pipeline, and those already sent leave nothing")
    func pipelineStatementThatCannotBeMadeLeavesNothing() async throws {
        struct CannotMake: Error {}
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE effects (id int PRIMARY KEY, note text)")
            let made = Mutex(0)
            await #expect(throws: CannotMake.self) {
                try await connection.pipeline(count: 100) { index in
                    made.withLock { $0 += 1 }
                    if index == 60 { throw CannotMake() }
                    return "INSERT INTO effects VALUES (\(index), 'sent')"
                }
            }
            #expect(made.withLock { $0 } == 61)
            // A value libpq cannot carry is refused the same way.
            let error = await #expect(throws: PostgresError.self) {
                try await connection.pipeline(count: 100) { index in
                    "INSERT INTO effects VALUES (\(index), \(index == 99 ? "a\u{0}b" : "sent"))"
                }
            }
            #expect(error?.code == .invalidValue)
            #expect(try await connection.query("SELECT count(*) FROM effects").single(Int.self) == 0)
            #expect(await connection.isReusable())
        }
    }

    @Test("inside the caller's transaction, a pipeline's statements stand or fall with it")
    func pipelineMakingStatementsJoinsTheCallersTransaction() async throws {
        struct CannotMake: Error {}
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE effects (id int PRIMARY KEY)")
            try await connection.transaction { tx in
                try await tx.query("INSERT INTO effects VALUES (-1)")
                _ = try await tx.pipeline(count: 10) { index in "INSERT INTO effects VALUES (\(index))" }
                // Not committed by the pipeline: the caller's transaction is still open.
                #expect(await tx.inTransaction)
            }
            #expect(try await connection.query("SELECT count(*) FROM effects").single(Int.self) == 11)
            await #expect(throws: CannotMake.self) {
                try await connection.transaction { tx in
                    try await tx.query("INSERT INTO effects VALUES (100)")
                    _ = try await tx.pipeline(count: 10) { index in
                        if index == 5 { throw CannotMake() }
                        return "INSERT INTO effects VALUES (\(101 + index))"
                    }
                }
            }
            #expect(try await connection.query("SELECT count(*) FROM effects").single(Int.self) == 11)
        }
    }
}
