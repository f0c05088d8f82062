import BenefitCore
import BenefitTestSupport
import Foundation
@testable import PostgresClient
import Testing

@Suite("Connection pool")
struct PoolTests {
    @Test("many tasks share a bounded number of connections")
    func poolStaysWithinItsBound() async throws {
        try await TestDatabase.withFresh { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 3)
            let busiest = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let open = try await pool.withConnection { connection in
                            try await connection.query("""
                                SELECT count(*) FROM pg_stat_activity, pg_sleep(0.02)
                                WHERE datname = current_database() AND backend_type = 'client backend'
                                """).single(Int.self)
                        }
                        busiest.raise(to: open)
                    }
                }
                try await group.waitForAll()
            }
            #expect(busiest.current <= 3)
            #expect(busiest.current >= 2)
            #expect(pool.openConnections <= 3)
        }
    }

    @Test("a task waiting for a connection stops waiting when cancelled")
    func waitingTaskCanBeCancelled() async throws {
        try await TestDatabase.withFresh { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            let (held, release) = AsyncStream<Void>.makeStream()
            let (leased, leasedSignal) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await pool.withConnection { _ in
                    leasedSignal.yield()
                    for await _ in held { break }
                }
            }
            for await _ in leased { break }
            let waiter = Task { try await pool.query("SELECT 1") }
            // Cancelled while it waits, not before it starts to.
            #expect(try await eventually { pool.waitingTasks == 1 })
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(pool.waitingTasks == 0)
            release.yield()
            try await holder.value
            #expect(try await pool.query("SELECT 3").single(Int.self) == 3)
        }
    }

    @Test("the pool recovers after pg_ctl restart -m immediate")
    func poolRecoversAfterImmediateRestart() async throws {
        try await ThrowawayCluster.with { cluster in
            let pool = PostgresPool(configuration: cluster.configuration, maxConnections: 2)
            let before = try await pool.withConnection { $0.backendPID }
            try await cluster.restartImmediately()

            var result: Int?
            var failures = 0
            let answered = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                do {
                    result = try await pool.query("SELECT 41 + 1").single(Int.self)
                } catch let error as PostgresError where error.isConnectionLoss {
                    failures += 1
                }
                return result != nil
            }
            #expect(answered && result == 42, "no successful query within 30 s (\(failures) connection failures)")
            let after = try await pool.withConnection { $0.backendPID }
            #expect(after != before)
        }
    }

    @Test("a pooled connection that broke while idle is not lent: the body runs on a new one, without an error")
    func brokenIdleConnectionIsNotLent() async throws {
        try await TestDatabase.withFresh { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            let idle = try await pool.withConnection { $0 }
            // Its socket is shut, as a network cut or a server gone would leave it.
            idle.cutConnection()
            let (pid, answer) = try await pool.withConnection { connection in
                (connection.backendPID, try await connection.query("SELECT 41 + 1").single(Int.self))
            }
            #expect(answer == 42)
            #expect(pid != idle.backendPID)
            #expect(pool.openConnections == 1)
        }
    }

    @Test("a connection given back inside a transaction is closed, not lent again")
    func connectionLeftInTransactionIsClosed() async throws {
        try await TestDatabase.withFresh { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            let leftOpen = try await pool.withConnection { connection in
                try await connection.query("BEGIN")
                return connection.backendPID
            }
            let (pid, inTransaction) = try await pool.withConnection { connection in
                (connection.backendPID, await connection.inTransaction)
            }
            #expect(pid != leftOpen)
            #expect(!inTransaction)
            // Its server session, and the transaction it held open, are gone.
            #expect(try await eventually {
                try await pool.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(Int(leftOpen))").single(Int.self) == 0
            })
        }
    }

    @Test("a body the pool lends a connection to, and a transaction's body, run isolated to that connection")
    func bodiesRunOnTheConnection() async throws {
        try await TestDatabase.withFresh { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            let lent = try await pool.withConnection { connection in (#isolation).map { $0 === connection } ?? false }
            let inTransaction = try await pool.transaction { connection in
                try await connection.query("SELECT 1")
                return (#isolation).map { $0 === connection } ?? false
            }
            #expect(lent)
            #expect(inTransaction)
        }
    }
}
