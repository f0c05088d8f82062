import BenefitCore
import BenefitTestSupport
import PostgresClient
import Testing

/// An appointment names its hospital row (capacity and kind included) through
/// one check per statement, and that row never goes away or changes its key
/// (migration 0032): what the declared key refused is still refused, whoever writes.
@Suite("Health checkup: an appointment's key to its hospital", .serialized)
struct AppointmentHospitalKeyTests {
    /// A booked cycle over 300 members, and one more member with no appointment.
    static func withBookedCycle(_ body: @Sendable (PostgresPool) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(300, on: pool)
            #expect(try await CheckupFixtures.run(workers: 2, on: pool).state == .succeeded)
            try await CheckupFixtures.insertLateMembers(on: pool)
            try await body(pool)
        }
    }

    static func appointments(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM benefit.appointment").single(Int.self)
    }

    /// Appointments for `members`, copied from a booked one: a week after the
    /// hospital's last booked day, seats 1, 2, …, with `hospital` and
    /// `capacity` as given (SQL over the copied row `a`).
    static func book(_ members: [String], hospital: PostgresQuery = "a.hospital", capacity: PostgresQuery = "a.daily_capacity") -> PostgresQuery {
        """
        INSERT INTO benefit.appointment (campaign_id, cycle, member_id, run_id, job_id, hospital, appointment_date,
                                         seat_in_day, daily_capacity, package)
        SELECT a.campaign_id, a.cycle, m.member_id, a.run_id, a.job_id, \(subquery: hospital),
               (SELECT max(appointment_date) + 7 FROM benefit.appointment), m.seat, \(subquery: capacity), a.package
        FROM (SELECT * FROM benefit.appointment ORDER BY member_id LIMIT 1) a,
             unnest(\(members)::text[]) WITH ORDINALITY AS m(member_id, seat)
        """
    }

    @Test("an appointment naming a hospital or capacity its cycle does not have is refused, and its statement writes nothing")
    func missingHospitalsAreRefused() async throws {
        try await Self.withBookedCycle { pool in
            let before = try await Self.appointments(pool)
            let refusals: [(PostgresQuery, String)] = [
                (Self.book(["LATE1"], hospital: "\("Nowhere")::text"), "Nowhere"),
                (Self.book(["LATE1"], capacity: "a.daily_capacity + 1"), "is not present"),
                // One good row and one bad in the same statement: neither lands.
                (Self.book(["LATE1", "LATE2"], hospital: "CASE m.member_id WHEN 'LATE2' THEN 'Nowhere' ELSE a.hospital END"),
                 #"(campaign_id, cycle, hospital, daily_capacity, kind)=("#),
            ]
            for (statement, detail) in refusals {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23503", "\(error?.description ?? "")")
                #expect(error?.description.contains(#"insert into table "appointment" violates its key"#) == true, "\(error?.description ?? "")")
                #expect(error?.description.contains(detail) == true, "\(error?.description ?? "")")
                #expect(error?.description.contains(#"is not present in table "checkup_hospital""#) == true, "\(error?.description ?? "")")
            }
            #expect(try await Self.appointments(pool) == before)
            // With the cycle's own hospital and capacity, the same rows land.
            try await pool.query(Self.book(["LATE1", "LATE2"]))
            #expect(try await Self.appointments(pool) == before + 2)
        }
    }

    @Test("workers logged in with benefit_worker alone book a cycle through the check, with its rights")
    func workerLoginBooks() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .worker) { configuration, login in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(300, on: pool)
            try await ProgramFixtures.apply(CheckupFixtures.campaignYAML(), on: pool)
            let run = try await ProgramFixtures.runToEnd("checkup", queue: CheckupFixtures.queue, workers: 2, pool: pool, workerPool: login)
            #expect(run.state == .succeeded && run.membersTotal > 0)
            #expect(try await Self.appointments(pool) == run.membersTotal)
        }
    }

    @Test("an appointment cannot be changed by hand to a hospital or capacity its cycle does not have")
    func updatesAreChecked() async throws {
        try await Self.withBookedCycle { pool in
            let target: PostgresQuery = "member_id = (SELECT min(member_id) FROM benefit.appointment)"
            for statement: PostgresQuery in [
                "UPDATE benefit.appointment SET hospital = 'Nowhere' WHERE \(subquery: target)",
                "UPDATE benefit.appointment SET daily_capacity = daily_capacity + 1 WHERE \(subquery: target)",
            ] {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23503", "\(error?.description ?? "")")
                #expect(error?.description.contains(#"update of table "appointment" violates its key"#) == true, "\(error?.description ?? "")")
            }
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.appointment a
                WHERE NOT EXISTS (SELECT 1 FROM benefit.checkup_hospital h
                                  WHERE (h.campaign_id, h.cycle, h.hospital, h.daily_capacity, h.kind)
                                      = (a.campaign_id, a.cycle, a.hospital, a.daily_capacity, a.kind))
                """).single(Int.self) == 0)
            // Other columns still change as cancels and no-shows change them.
            try await pool.query("UPDATE benefit.appointment SET cancelled_at = now(), cancel_reason = 'by hand' WHERE \(subquery: target)")
            #expect(try await pool.query("SELECT count(*) FROM benefit.appointment WHERE cancelled_at IS NOT NULL").single(Int.self) == 1)
        }
    }

    @Test("a cycle's hospital rows are never deleted, truncated or given another key, capacity or kind, even by the owner")
    func hospitalsStay() async throws {
        try await Self.withBookedCycle { pool in
            // A hospital row no appointment names changes no more than one that is named.
            try await pool.query("""
                INSERT INTO benefit.checkup_hospital (campaign_id, cycle, hospital, daily_capacity)
                SELECT campaign_id, cycle, 'Unused', 10 FROM benefit.checkup_cycle
                """)
            let rows: PostgresQuery = "SELECT hospital, daily_capacity, kind FROM benefit.checkup_hospital ORDER BY hospital"
            let before = try await pool.query(rows).decode((String, Int, String).self)
            #expect(before.count == 3)
            for statement: PostgresQuery in [
                "DELETE FROM benefit.checkup_hospital WHERE hospital = 'Unused'",
                "DELETE FROM benefit.checkup_hospital",
                "UPDATE benefit.checkup_hospital SET daily_capacity = daily_capacity - 1",
                "UPDATE benefit.checkup_hospital SET daily_capacity = daily_capacity + 1 WHERE hospital = 'Unused'",
                "UPDATE benefit.checkup_hospital SET hospital = hospital || '2'",
                "UPDATE benefit.checkup_hospital SET kind = 'van'",
                "UPDATE benefit.checkup_hospital SET cycle = '2099'",
                "TRUNCATE benefit.checkup_hospital CASCADE",
            ] {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23001", "\(error?.description ?? "")")
            }
            #expect(try await pool.query(rows).decode((String, Int, String).self).elementsEqual(before) { $0 == $1 })
            // The counter of reserved seats still changes, and an update that keeps the key passes.
            try await pool.query("UPDATE benefit.checkup_hospital SET seats_taken = seats_taken + 1, daily_capacity = daily_capacity")
            #expect(try await pool.query("SELECT seats_taken FROM benefit.checkup_hospital WHERE hospital = 'Unused'").single(Int.self) == 1)
        }
    }
}
