import BenefitTestSupport
@testable import BenefitWorkers
import PostgresClient
import Testing

/// A batch's effect rows: a plain INSERT first, and with `ON CONFLICT` on the
/// member's key only when a key is taken (`MemberKeyInsert`).
@Suite("Programs: effect rows inserted plainly unless a member's key is taken")
struct MemberKeyInsertTests {
    /// Rows of a table keyed like the effect tables, with a seat held once.
    static func insert(_ rows: [(String, Int)], skippingTaken: Bool) -> PostgresQuery {
        """
        INSERT INTO effect (campaign_id, cycle, member_id, seat)
        SELECT 1, '2027', r.member_id, r.seat FROM unnest(\(rows.map(\.0))::text[], \(rows.map(\.1))::integer[]) AS r(member_id, seat)
        \(subquery: MemberKeyInsert.onTakenKey(skippingTaken))
        """
    }

    /// Inserts `rows` in a transaction of its own; returns the statements sent (`skippingTaken` of each).
    static func insertRecording(_ rows: [(String, Int)], on pool: PostgresPool) async throws -> [Bool] {
        try await pool.transaction { transaction in
            var sent: [Bool] = []
            try await MemberKeyInsert.insert(on: transaction) { skipping in
                sent.append(skipping)
                return Self.insert(rows, skippingTaken: skipping)
            }
            return sent
        }
    }

    /// A fresh database with the table `effect`, and a pool of two connections to it.
    static func withEffectTable(_ body: (PostgresConfiguration, PostgresPool) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: false) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await pool.query("""
                CREATE TABLE effect (campaign_id bigint, cycle text, member_id text, seat integer UNIQUE,
                                     PRIMARY KEY (campaign_id, cycle, member_id))
                """)
            try await body(configuration, pool)
        }
    }

    static func rows(on pool: PostgresPool) async throws -> [String] {
        try await pool.query("SELECT member_id, seat FROM effect ORDER BY member_id").decode((String, Int).self).map { "\($0.0) \($0.1)" }
    }

    @Test("no key taken: one plain insert; a member's key taken: the rows again, skipping it; a seat held twice still fails, and nothing of it stays")
    func plainUnlessTaken() async throws {
        try await Self.withEffectTable { (_: PostgresConfiguration, pool: PostgresPool) async throws in
            #expect(try await Self.insertRecording([("a", 1), ("b", 2)], on: pool) == [false])
            #expect(try await Self.insertRecording([("b", 20), ("c", 3)], on: pool) == [false, true])
            let seatTwice = await #expect(throws: PostgresError.self) { try await Self.insertRecording([("d", 3)], on: pool) }
            #expect(seatTwice?.sqlState == "23505")
            #expect(try await Self.rows(on: pool) == ["a 1", "b 2", "c 3"])
        }
    }

    @Test("a key another transaction is inserting: the plain insert waits for it, and once it commits the rows go in again, skipping that key")
    func overlappingInsertCommitsFirst() async throws {
        try await Self.withEffectTable { configuration, pool in
            let first = try await PostgresConnection.connect(to: configuration)
            try await first.query("BEGIN")
            try await first.query(Self.insert([("x", 10)], skippingTaken: false))
            let second = Task { try await Self.insertRecording([("x", 11), ("y", 12)], on: pool) }
            let waiting = try await eventually(timeout: .seconds(30)) {
                try await pool.query("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO effect%'
                    """).single(Int.self) == 1
            }
            #expect(waiting, "the second insert never waited for the first")
            try await first.query("COMMIT")
            #expect(try await second.value == [false, true])
            #expect(try await Self.rows(on: pool) == ["x 10", "y 12"])
        }
    }
}
