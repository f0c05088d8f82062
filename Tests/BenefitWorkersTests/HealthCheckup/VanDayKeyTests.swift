import BenefitCore
import BenefitTestSupport
import PostgresClient
import Testing

/// A van appointment names its van-day through one check per statement, and a
/// van-day never goes away or changes its key (migration 0039): what the
/// declared key refused is still refused, whoever writes.
@Suite("Health checkup: a van appointment's key to its van-day", .serialized)
struct VanDayKeyTests {
    /// A vans run over 300 members, and two more members with no appointment.
    static func withBookedVans(_ body: @Sendable (PostgresPool) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 16)
            defer { pool.close() }
            #expect(try await CheckupVanFixtures.book(300, workers: 2, on: pool).state == .succeeded)
            try await CheckupFixtures.insertLateMembers(on: pool)
            try await body(pool)
        }
    }

    static func appointments(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM benefit.appointment").single(Int.self)
    }

    /// Van appointments for LATE1 and LATE2, copied from a booked one at seats past
    /// any booked (the owner passes row-level security), each at the site `site`
    /// gives (SQL over the copied row `a` and the member `m`).
    static func book(site: PostgresQuery) -> PostgresQuery {
        """
        INSERT INTO benefit.appointment (campaign_id, cycle, member_id, run_id, job_id, hospital, appointment_date,
                                         seat_in_day, daily_capacity, package, kind, site)
        SELECT a.campaign_id, a.cycle, m.member_id, a.run_id, a.job_id, a.hospital, a.appointment_date,
               a.daily_capacity - m.n + 1, a.daily_capacity, a.package, 'van', \(subquery: site)
        FROM (SELECT * FROM benefit.appointment a
              WHERE a.kind = 'van' AND NOT EXISTS (
                  SELECT 1 FROM benefit.appointment b
                  WHERE (b.hospital, b.appointment_date) = (a.hospital, a.appointment_date) AND b.seat_in_day >= a.daily_capacity - 1)
              ORDER BY a.appointment_date, a.hospital LIMIT 1) a,
             unnest(ARRAY['LATE1', 'LATE2']) WITH ORDINALITY AS m(member_id, n)
        """
    }

    @Test("a van appointment naming a van-day its van does not have is refused, on insert and on update, and its statement writes nothing")
    func missingVanDaysAreRefused() async throws {
        try await Self.withBookedVans { pool in
            let before = try await Self.appointments(pool)
            // One good row and one at a site the van is not at that day: neither lands.
            let insert = Self.book(site: "CASE m.member_id WHEN 'LATE2' THEN 'NOWHERE' ELSE a.site END")
            let error = await #expect(throws: PostgresError.self) { try await pool.query(insert) }
            #expect(error?.sqlState == "23503", "\(error?.description ?? "")")
            for part in [#"insert into table "appointment" violates its key: (campaign_id, cycle, hospital, appointment_date, site)=("#,
                         #", NOWHERE) is not present in table "van_day""#] {
                #expect(error?.description.contains(part) == true, "\(error?.description ?? "")")
            }
            #expect(try await Self.appointments(pool) == before)
            // At the van-day's own site, the same rows land.
            try await pool.query(Self.book(site: "a.site"))
            #expect(try await Self.appointments(pool) == before + 2)

            let moved = try await #require(await #expect(throws: PostgresError.self) {
                try await pool.query("UPDATE benefit.appointment SET site = 'NOWHERE' WHERE member_id = 'LATE1'")
            })
            #expect(moved.sqlState == "23503", "\(moved.description)")
            #expect(moved.description.contains(#"update of table "appointment" violates its key"#), "\(moved.description)")
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.appointment a
                WHERE a.site IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM benefit.van_day v
                    WHERE (v.campaign_id, v.cycle, v.van, v.day, v.site) = (a.campaign_id, a.cycle, a.hospital, a.appointment_date, a.site))
                """).single(Int.self) == 0)
        }
    }

    @Test("van-days are never deleted, truncated or given another key, even by the owner")
    func vanDaysStay() async throws {
        try await Self.withBookedVans { pool in
            let rows: PostgresQuery = "SELECT van, day::text, site, first_rank FROM benefit.van_day ORDER BY van, day"
            let before = try await pool.query(rows).decode((String, String, String, Int).self)
            #expect(before.count >= 10)
            for statement: PostgresQuery in [
                "DELETE FROM benefit.van_day",
                "DELETE FROM benefit.van_day WHERE (van, day) = (SELECT van, day FROM benefit.van_day ORDER BY day DESC, van LIMIT 1)",
                "UPDATE benefit.van_day SET site = site || '2'",
                "UPDATE benefit.van_day SET day = day + 7",
                "UPDATE benefit.van_day SET van = van || '2'",
                "UPDATE benefit.van_day SET cycle = '2099'",
                "TRUNCATE benefit.van_day CASCADE",
            ] {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23001", "\(statement.sql): \(error?.description ?? "")")
            }
            #expect(try await pool.query(rows).decode((String, String, String, Int).self).elementsEqual(before) { $0 == $1 })
            // An update that keeps the key passes.
            try await pool.query("UPDATE benefit.van_day SET site = site, first_rank = first_rank")
        }
    }
}
