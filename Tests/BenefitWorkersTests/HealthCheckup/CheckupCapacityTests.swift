import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// Per hospital and workday, appointments never exceed the capacity; units sit together; the booking is deterministic.
///
/// One test at a time: each runs up to eight workers, and the whole test run shares one server's connections.
@Suite("Health checkup: capacity", .serialized)
struct CheckupCapacityTests {
    /// Members who are due by the test roster's rules: staff or retired, no checkup or one on or before 2026-03-06.
    static let dueMembers = """
        SELECT member_id FROM benefit.member
        WHERE employment IN ('staff', 'retired') AND (last_checkup_date IS NULL OR last_checkup_date <= date '2026-03-06')
        """

    @Test("8 workers, batches of 50: no day over capacity, every due member booked once, units together, days full")
    func eightWorkersKeepCapacity() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 24)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(6_000, on: pool)
            let due = try await pool.query("SELECT count(*) FROM (\(unsafeSQL: Self.dueMembers)) d").single(Int.self)
            let run = try await CheckupFixtures.run(batchSize: 50, workers: 8, on: pool)
            #expect(run.state == .succeeded)
            #expect(run.membersTotal == due && run.membersDone == due)
            #expect(run.batchesTotal == (due + 49) / 50)

            // No (hospital, day) over its capacity.
            #expect(try await pool.query("""
                SELECT count(*) FROM (
                    SELECT hospital, appointment_date FROM benefit.appointment
                    GROUP BY hospital, appointment_date HAVING count(*) > max(daily_capacity)
                ) over_capacity
                """).single(Int.self) == 0)
            // Exactly the due members, once each (the primary key makes "once" hold).
            #expect(try await pool.query("SELECT count(*) FROM benefit.appointment").single(Int.self) == due)
            #expect(try await pool.query("""
                SELECT count(*) FROM ((\(unsafeSQL: Self.dueMembers)) EXCEPT SELECT member_id FROM benefit.appointment) missing
                """).single(Int.self) == 0)
            // Never on a weekend, a holiday or before the start date.
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.appointment
                WHERE extract(isodow FROM appointment_date) >= 6 OR appointment_date = ANY (\(CheckupFixtures.holidays)::date[])
                   OR appointment_date < \(CheckupFixtures.startDate)
                """).single(Int.self) == 0)
            // Packages by age in full years at the start date, and the women's extra.
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.appointments a JOIN benefit.member m USING (member_id)
                WHERE a.package IS DISTINCT FROM
                      CASE WHEN extract(year FROM age(date '2027-03-06', m.birth_date)) < 35 THEN 'basic'
                           WHEN extract(year FROM age(date '2027-03-06', m.birth_date)) < 50 THEN 'standard'
                           ELSE 'extended' END
                      || CASE WHEN m.gender = 'F' THEN '+two-cancer-screening' ELSE '' END
                """).single(Int.self) == 0)
            #expect(try await pool.query("SELECT count(DISTINCT package) FROM benefit.appointments").single(Int.self) == 6)

            let workdays = WorkdayCalendar(start: CheckupFixtures.startDate, holidays: CheckupFixtures.holidays).workdays(0...400)
            let index = Dictionary(uniqueKeysWithValues: workdays.enumerated().map { ($1, $0) })
            // Each org unit in one hospital, on consecutive workdays.
            let units = try await pool.query("""
                SELECT m.org_unit, count(DISTINCT a.hospital), min(a.appointment_date), max(a.appointment_date),
                       count(DISTINCT a.appointment_date)
                FROM benefit.appointment a JOIN benefit.member m USING (member_id)
                GROUP BY m.org_unit
                """).decode((String, Int, CalendarDate, CalendarDate, Int).self)
            #expect(units.count >= 60)
            for (unit, hospitals, first, last, days) in units {
                #expect(hospitals == 1, "\(unit)")
                #expect(index[last]! - index[first]! + 1 == days, "\(unit): \(first)…\(last) in \(days) days")
            }
            // Each hospital's days are the first workdays, each full but its last.
            let days = try await pool.query("""
                SELECT hospital, appointment_date, count(*), max(daily_capacity)
                FROM benefit.appointment GROUP BY hospital, appointment_date ORDER BY hospital, appointment_date
                """).decode((String, CalendarDate, Int, Int).self)
            for hospital in Set(days.map(\.0)) {
                let booked = days.filter { $0.0 == hospital }
                #expect(booked.map(\.1) == Array(workdays.prefix(booked.count)), "\(hospital)")
                #expect(booked.dropLast().allSatisfy { $0.2 == $0.3 }, "\(hospital)")
                #expect(booked.last.map { $0.2 >= 1 && $0.2 <= $0.3 } == true, "\(hospital)")
            }
        }
    }

    @Test("a hand-written appointment on a full day, beyond capacity or on a weekend is refused")
    func constraintHoldsForAnyWriter() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(300, on: pool)
            #expect(try await CheckupFixtures.run(workers: 2, on: pool).state == .succeeded)
            let (campaign, run, hospital, date, capacity) = try await pool.query("""
                SELECT campaign_id, run_id, hospital, appointment_date, max(daily_capacity) FROM benefit.appointment
                GROUP BY campaign_id, run_id, hospital, appointment_date HAVING count(*) = max(daily_capacity)
                ORDER BY appointment_date LIMIT 1
                """).single((Int, Int, String, CalendarDate, Int).self)
            try await pool.query("""
                INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
                VALUES ('LATE1', 'Late', 'U001', 'F', date '1980-01-01', 'staff')
                """)
            func book(seat: Int, capacity: Int, on day: CalendarDate) async throws {
                try await pool.query("""
                    INSERT INTO benefit.appointment (campaign_id, cycle, member_id, run_id, job_id, hospital, appointment_date,
                                                     seat_in_day, daily_capacity, package)
                    VALUES (\(campaign), '2026', 'LATE1', \(run), 0, \(hospital), \(day), \(seat), \(capacity), 'basic')
                    """)
            }
            // (seat, capacity, day) → SQLSTATE: a taken seat, a seat past the capacity, a capacity
            // that is not the hospital's, a Saturday.
            let attempts: [(Int, Int, CalendarDate, String)] = [
                (1, capacity, date, "23505"), (capacity, capacity, date, "23505"), (capacity + 1, capacity, date, "23514"),
                (capacity + 1, capacity + 1, date, "23503"), (1, capacity, CalendarDate("2027-03-13")!, "23514"),
            ]
            for (seat, given, day, state) in attempts {
                let error = await #expect(throws: PostgresError.self) { try await book(seat: seat, capacity: given, on: day) }
                #expect(error?.sqlState == state, "seat \(seat) of \(given) on \(day): \(error?.description ?? "")")
                if state == "23505" { #expect(error?.message.contains("appointment_seat_taken_once") == true, "\(error?.message ?? "")") }
            }
            // The seat's key compares the day and the seat before the campaign and cycle, which every
            // entry of a run shares (0042); its columns, and so the seats it holds once, are 0024's.
            #expect(try await pool.query("SELECT pg_get_indexdef('benefit.appointment_seat_taken_once'::regclass)").single(String.self)
                == "CREATE UNIQUE INDEX appointment_seat_taken_once ON benefit.appointment USING btree "
                + "(appointment_date, seat_in_day, hospital, campaign_id, cycle) WHERE (cancelled_at IS NULL)")
            // Nor can the hospital's capacity be changed under its appointments: a cycle's capacities never change.
            let shrink = await #expect(throws: PostgresError.self) {
                try await pool.query("UPDATE benefit.checkup_hospital SET daily_capacity = daily_capacity - 1")
            }
            #expect(shrink?.sqlState == "23001")
        }
    }

    @Test("a second manual trigger in the same cycle books nothing new and succeeds")
    func secondTriggerBooksNothingNew() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(1_000, on: pool)
            let first = try await CheckupFixtures.run(workers: 2, day: 1, on: pool)
            #expect(first.state == .succeeded && first.membersTotal > 0)
            let booked = try await CheckupFixtures.appointments(on: pool)
            #expect(booked.count == first.membersTotal)

            let second = try await CheckupFixtures.run(workers: 2, day: 20, on: pool)
            #expect(second.state == .succeeded)
            #expect(second.cycle == "2026")
            #expect(second.membersTotal == 0 && second.batchesTotal == 0)
            #expect(try await CheckupFixtures.appointments(on: pool) == booked)
            #expect(try await pool.query("SELECT sum(seats_taken)::bigint FROM benefit.checkup_hospital").single(Int.self) == booked.count)
        }
    }

    @Test("the same roster gives the same appointments with 8 workers and batches of 50 as with 1 worker and one batch")
    func bookingIsDeterministic() async throws {
        func book(batchSize: Int, workers: Int) async throws -> [CheckupFixtures.Appointment] {
            try await TestDatabase.withFresh(migrated: true) { configuration in
                let pool = PostgresPool(configuration: configuration, maxConnections: 24)
                defer { pool.close() }
                try await CheckupFixtures.insertMembers(1_500, on: pool)
                #expect(try await CheckupFixtures.run(batchSize: batchSize, workers: workers, on: pool).state == .succeeded)
                return try await CheckupFixtures.appointments(on: pool)
            }
        }
        let small = try await book(batchSize: 50, workers: 8)
        let whole = try await book(batchSize: 100_000, workers: 1)
        #expect(small.count > 1_000)
        #expect(small == whole)
    }

    @Test("benefit_admin reads appointments through the view, and docs/sql.md's checkup queries answer")
    func administratorReadsAppointments() async throws {
        let queries = try DocumentedSQL.queries(section: "Health checkups").filter { $0.contains("benefit.appointments") }
        #expect(queries.count >= 2)
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(200, on: pool)
            // Query 14 asks about the example campaign's 2027 cycle and the machine-tool
            // works' units (机床厂): this run is that campaign's, and two units are such works.
            try await pool.query("UPDATE benefit.member SET org_unit = '第' || org_unit || '机床厂' WHERE org_unit IN ('U005', 'U009')")
            let run = try await CheckupFixtures.run("health-checkup", workers: 1, year: 2027, on: pool)
            let connection = try await PostgresConnection.connect(to: configuration)
            let rows = try await connection.acting(as: .admin) {
                try await $0.query("""
                    SELECT member_id, campaign, cycle, run_id, job_id, created_at, hospital, appointment_date, package
                    FROM benefit.appointments
                    """).decode((String, String, String, Int, Int, Date, String, CalendarDate, String).self)
            }
            #expect(rows.count == run.membersTotal && rows.count > 100)
            #expect(rows.allSatisfy { $0.1 == "health-checkup" && $0.2 == "2027" && $0.3 == run.runID })
            var answers: [Int] = []
            for query in queries {
                answers.append(try await connection.acting(as: .admin) { try await $0.query(PostgresQuery(unsafeSQL: query)).count })
            }
            // 13: one row per hospital and day; 14: one per machine-tool unit, hospital
            // and day (both counted from the base tables).
            let days = try await pool.query("SELECT count(DISTINCT (hospital, appointment_date)) FROM benefit.appointment").single(Int.self)
            let unitDays = try await pool.query("""
                SELECT count(DISTINCT (m.org_unit, a.hospital, a.appointment_date))
                FROM benefit.appointment a JOIN benefit.member m USING (member_id) WHERE m.org_unit LIKE '%机床厂%'
                """).single(Int.self)
            #expect(answers == [days, unitDays], "\(queries)")
            #expect(days > 1 && unitDays >= 2)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.acting(as: .admin) { try await $0.query("SELECT count(*) FROM benefit.appointment") }
            }
            #expect(error?.sqlState == "42501")
        }
    }
}
