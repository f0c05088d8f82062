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

    @Test("no key taken: one plain insert; a member's key taken: the rows again, skipping it; a seat held twice still fails, and nothing of it stays")
    func plainUnlessTaken() async throws {
        try await TestDatabase.withFresh(migrated: false) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            try await pool.query("""
                CREATE TABLE effect (campaign_id bigint, cycle text, member_id text, seat integer UNIQUE,
                                     PRIMARY KEY (campaign_id, cycle, member_id))
                """)
            func run(_ rows: [(String, Int)]) async throws -> [Bool] {
                try await pool.transaction { transaction in
                    var sent: [Bool] = []
                    try await MemberKeyInsert.insert(on: transaction) { skipping in
                        sent.append(skipping)
                        return Self.insert(rows, skippingTaken: skipping)
                    }
                    return sent
                }
            }
            #expect(try await run([("a", 1), ("b", 2)]) == [false])
            #expect(try await run([("b", 20), ("c", 3)]) == [false, true])
            let seatTwice = await #expect(throws: PostgresError.self) { try await run([("d", 3)]) }
            #expect(seatTwice?.sqlState == "23505")
            let rows = try await pool.query("SELECT member_id, seat FROM effect ORDER BY member_id").decode((String, Int).self)
            #expect(rows.map { "\($0.0) \($0.1)" } == ["a 1", "b 2", "c 3"])
        }
    }

    @Test("a key another transaction is inserting: the plain insert waits for it, and once it commits the rows go in again, skipping that key")
    func overlappingInsertCommitsFirst() async throws {
        try await TestDatabase.withFresh(migrated: false) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await pool.query("""
                CREATE TABLE effect (campaign_id bigint, cycle text, member_id text, seat integer UNIQUE,
                                     PRIMARY KEY (campaign_id, cycle, member_id))
                """)
            let first = try await PostgresConnection.connect(to: configuration)
            try await first.query("BEGIN")
            try await first.query(Self.insert([("x", 10)], skippingTaken: false))
            let second = Task {
                try await pool.transaction { transaction in
                    var sent: [Bool] = []
                    try await MemberKeyInsert.insert(on: transaction) { skipping in
                        sent.append(skipping)
                        return Self.insert([("x", 11), ("y", 12)], skippingTaken: skipping)
                    }
                    return sent
                }
            }
            let waiting = try await eventually(timeout: .seconds(30)) {
                try await pool.query("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO effect%'
                    """).single(Int.self) == 1
            }
            #expect(waiting, "the second insert never waited for the first")
            try await first.query("COMMIT")
            #expect(try await second.value == [false, true])
            let rows = try await pool.query("SELECT member_id, seat FROM effect ORDER BY member_id").decode((String, Int).self)
            #expect(rows.map { "\($0.0) \($0.1)" } == ["x 10", "y 12"])
        }
    }
}
