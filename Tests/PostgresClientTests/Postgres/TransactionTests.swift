import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

private struct Abort: Error {}

@Suite("Transactions commit on return and roll back on throw")
struct TransactionTests {
    @Test("a throw inside a transaction leaves no row behind")
    func throwLeavesNoRow() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE grants (member_id text PRIMARY KEY, amount numeric(12,2))")
            await #expect(throws: Abort.self) {
                try await connection.transaction { tx in
                    try await tx.query("INSERT INTO grants VALUES (\("M-1"), \(Decimal(2000)))")
                    try await tx.query("INSERT INTO grants VALUES (\("M-2"), \(Decimal(1200)))")
                    throw Abort()
                }
            }
            #expect(try await connection.query("SELECT count(*) FROM grants").single(Int.self) == 0)
            #expect(await connection.inTransaction == false)

            try await connection.transaction { tx in
                try await tx.query("INSERT INTO grants VALUES (\("M-1"), \(Decimal(2000)))")
            }
            #expect(try await connection.query("SELECT count(*) FROM grants").single(Int.self) == 1)
        }
    }

    @Test("a server error inside a transaction rolls back what came before")
    func serverErrorRollsBack() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE grants (member_id text PRIMARY KEY)")
            await #expect(throws: PostgresError.self) {
                try await connection.transaction { tx in
                    try await tx.query("INSERT INTO grants VALUES (\("M-1"))")
                    try await tx.query("INSERT INTO grants VALUES (\("M-1"))")
                }
            }
            #expect(try await connection.query("SELECT count(*) FROM grants").single(Int.self) == 0)
        }
    }

    @Test("serialization failures are retried when asked, and every retry sees fresh data")
    func serializationFailuresRetry() async throws {
        try await TestDatabase.withFresh { configuration in
            let setup = try await PostgresConnection.connect(to: configuration)
            try await setup.query("CREATE TABLE budget (id int PRIMARY KEY, spent int NOT NULL)")
            try await setup.query("INSERT INTO budget VALUES (1, 0)")
            let attempts = Counter()
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            // Four concurrent read-then-write increments under SERIALIZABLE: without
            // retries some would fail with 40001; with them all four land.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await pool.transaction(isolation: .serializable, maxAttempts: 20) { tx in
                            attempts.add()
                            let spent = try await tx.query("SELECT spent FROM budget WHERE id = 1").single(Int.self)
                            try await Task.sleep(for: .milliseconds(20))
                            try await tx.query("UPDATE budget SET spent = \(spent + 1) WHERE id = 1")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await setup.query("SELECT spent FROM budget").single(Int.self) == 4)
            #expect(attempts.current > 4)
        }
    }
}
