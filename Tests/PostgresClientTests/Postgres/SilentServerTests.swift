import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// A pool whose server stops answering while its connections stay open (a proxy
/// that stops forwarding): a cancelled task must not be held for good.
@Suite("A server that answers nothing")
struct SilentServerTests {
    /// What a loaded two-core machine may add to a bound.
    private static let margin = Duration.seconds(3)

    @Test("a cancelled statement returns within the cancel limit: its connection is cut")
    func cancelledStatementIsCutLoose() async throws {
        try await TestDatabase.withFresh { configuration in
            try await withFreezableProxy(to: configuration) { proxy in
                let pool = PostgresPool(configuration: proxy.route(configuration), maxConnections: 1)
                defer { pool.close() }
                #expect(try await pool.query("SELECT 1").single(Int.self) == 1)
                try await proxy.freeze()
                let (sending, sent) = AsyncStream<Void>.makeStream()
                let returned = Latch()
                let statement = Task {
                    defer { returned.fire() }
                    return try await pool.withConnection { connection in
                        sent.yield()
                        return try await connection.query("SELECT 2").single(Int.self)
                    }
                }
                for await _ in sending { break }
                statement.cancel()
                // Neither the statement nor the cancel request reaches the server: only the cut ends the wait.
                #expect(try await eventually(timeout: PostgresPool.cancelAnswerLimit + Self.margin) { returned.isFired },
                        "the cancelled statement was still waiting")
                // Lets the statement through, had it not been cut; then it would not fail.
                try await proxy.thaw()
                await #expect(throws: PostgresError.self) { try await statement.value }
                // The cut connection was not lent again: the next statement gets a new one.
                #expect(try await pool.query("SELECT 3").single(Int.self) == 3)
            }
        }
    }

    @Test("a task cancelled while it connects stops waiting at once")
    func cancelledConnectStopsWaiting() async throws {
        try await TestDatabase.withFresh { configuration in
            try await withFreezableProxy(to: configuration) { proxy in
                let pool = PostgresPool(configuration: proxy.route(configuration), maxConnections: 1)
                defer { pool.close() }
                try await proxy.freeze()
                let statement = Task { try await pool.query("SELECT 1") }
                // The slot is counted as the connect begins.
                #expect(try await eventually { pool.openConnections == 1 })
                let cancelledAt = ContinuousClock.now
                statement.cancel()
                await #expect(throws: CancellationError.self) { try await statement.value }
                // Well before connect_timeout (10 s), which would otherwise end it.
                #expect(ContinuousClock.now - cancelledAt < Self.margin)
                #expect(try await eventually { pool.openConnections == 0 })
                try await proxy.thaw()
                #expect(try await pool.query("SELECT 2").single(Int.self) == 2)
            }
        }
    }
}
