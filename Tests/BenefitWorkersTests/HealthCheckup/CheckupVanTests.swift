import BenefitCore
@testable import BenefitScheduler
import BenefitTestSupport
@testable import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// Checkup vans (`mode: vans`, migrations/0026_checkup_vans.sql): every due
/// member booked once at their unit's site on their unit's van-days; the
/// database holds each van to its capacity and to one site a day, whoever writes.
///
/// One test at a time: each runs several workers on one server's connections.
@Suite("Health checkup: vans", .serialized)
struct CheckupVanTests {
    @Test("a vans run books every due member once, on their unit's consecutive van-days at its site, no van-day over capacity; a batch run again changes nothing")
    func vansRunBooksEachUnitAtItsSite() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 16)
            defer { pool.close() }
            let run = try await CheckupVanFixtures.book(800, on: pool)
            let due = try await pool.query("SELECT count(*) FROM (\(unsafeSQL: CheckupVanFixtures.dueMembers)) d").single(Int.self)
            #expect(run.state == .succeeded)
            #expect(due > 300 && run.membersTotal == due && run.membersDone == due)
            // Exactly the due members, once each.
            #expect(try await pool.query("SELECT count(*) FROM benefit.appointment").single(Int.self) == due)
            #expect(try await pool.query("""
                SELECT count(*) FROM ((SELECT member_id FROM (\(unsafeSQL: CheckupVanFixtures.dueMembers)) d)
                                      EXCEPT SELECT member_id FROM benefit.appointment) missing
                """).single(Int.self) == 0)
            for (rule, sql) in CheckupVanFixtures.broken {
                #expect(try await pool.query(PostgresQuery(unsafeSQL: sql)).single(Int.self) == 0, "\(rule)")
            }

            // Each unit: one van, ⌈due / 13⌉ van-days, consecutive workdays; the van-days are their sum.
            let workdays = WorkdayCalendar(start: CheckupVanFixtures.startDate, holidays: CheckupVanFixtures.holidays).workdays(0...200)
            let index = Dictionary(uniqueKeysWithValues: workdays.enumerated().map { ($1, $0) })
            let units = try await pool.query("""
                SELECT d.org_unit, count(*), array_agg(DISTINCT a.appointment_date ORDER BY a.appointment_date)
                FROM (\(unsafeSQL: CheckupVanFixtures.dueMembers)) d JOIN benefit.appointment a USING (member_id)
                GROUP BY d.org_unit
                """).decode((String, Int, [CalendarDate]).self)
            #expect(units.count >= 25)
            var vanDays = 0
            for (unit, members, days) in units {
                let needed = VanPlan.days(for: members, capacity: CheckupVanFixtures.capacity)
                vanDays += needed
                #expect(days.count == needed, "\(unit): \(members) members on \(days)")
                let numbers = days.map { index[$0]! }
                #expect(numbers == Array(numbers[0]..<(numbers[0] + numbers.count)), "\(unit): \(days) are not consecutive workdays")
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.van_day").single(Int.self) == vanDays)
            // The two vans end within a few days of each other, from the first workday on.
            let ends = try await pool.query("SELECT min(day), max(day) FROM benefit.van_day GROUP BY van ORDER BY van")
                .decode((CalendarDate, CalendarDate).self)
            #expect(ends.count == 2 && ends.allSatisfy { $0.0 == CalendarDate("2027-03-08")! })
            #expect(abs(index[ends[0].1]! - index[ends[1].1]!) <= 4, "\(ends)")

            // Batches run again, as a retry after a lost commit would: batch 1 books nothing new
            // and moves nobody; batch 3, its appointments deleted first, books the very same seats.
            let before = try await CheckupVanFixtures.snapshot(on: pool)
            try await pool.query("""
                DELETE FROM benefit.appointment
                WHERE member_id = ANY (SELECT unnest(member_ids) FROM benefit.run_batch WHERE run_id = \(run.runID) AND batch = 3)
                """)
            #expect(try await CheckupVanFixtures.snapshot(on: pool).count == before.count - 40)
            try await pool.transaction { transaction in
                let context = try await RunContext.load(runID: run.runID, on: transaction)
                for batch in [1, 3] {
                    let (members, ranks, jobID) = try await transaction.query("""
                        SELECT member_ids, ranks, job_id FROM benefit.run_batch WHERE run_id = \(run.runID) AND batch = \(batch)
                        """).single(([String], [Int], Int).self)
                    _ = try await HealthCheckupProgram().execute(
                        RunBatch(run: context, jobID: jobID, memberIDs: members, ranks: ranks), on: transaction)
                }
            }
            #expect(try await CheckupVanFixtures.snapshot(on: pool) == before)
        }
    }

    @Test("no writer can book a van over its capacity, at another site, or send it to two sites a day; worker and operator logins cannot write van-days")
    func databaseHoldsCapacityAndOneSitePerDay() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 16)
            defer { pool.close() }
            #expect(try await CheckupVanFixtures.book(300, workers: 2, on: pool).state == .succeeded)
            let (campaign, run, van, day, site) = try await pool.query("""
                SELECT d.campaign_id, d.run_id, d.van, d.day, d.site FROM benefit.van_day d
                JOIN benefit.van_route r ON r.van = d.van AND r.day = d.day
                WHERE r.booked = r.capacity ORDER BY d.day, d.van LIMIT 1
                """).single((Int, Int, String, CalendarDate, String).self)
            // A day of the same van with seats left, and a site the van is not at then.
            let (freeDay, freeSite) = try await pool.query("""
                SELECT day, site FROM benefit.van_route WHERE van = \(van) AND booked < capacity ORDER BY day LIMIT 1
                """).single((CalendarDate, String).self)
            let otherSite = try await pool.query("""
                SELECT site FROM benefit.van_day WHERE site NOT IN (\(site), \(freeSite)) ORDER BY day LIMIT 1
                """).single(String.self)
            try await pool.query("""
                INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
                VALUES ('LATE1', 'Late', \(site), 'F', date '1980-01-01', 'staff')
                """)
            let capacity = CheckupVanFixtures.capacity
            // The table's owner, who passes row-level security: only the constraints stand in the way.
            func book(seat: Int, at place: String?, kind: String = "van", on date: CalendarDate = day) async throws {
                try await pool.query("""
                    INSERT INTO benefit.appointment (campaign_id, cycle, member_id, run_id, job_id, hospital, appointment_date,
                                                     seat_in_day, daily_capacity, package, kind, site)
                    VALUES (\(campaign), '2026', 'LATE1', \(run), 0, \(van), \(date), \(seat), \(capacity), 'basic', \(kind), \(place))
                    """)
            }
            let attempts: [(String, () async throws -> Void, String)] = [
                ("a seat past the capacity", { try await book(seat: capacity + 1, at: site) }, "23514"),
                ("a seat already taken", { try await book(seat: 1, at: site) }, "23505"),
                ("another site on a full van-day", { try await book(seat: capacity + 1, at: otherSite) }, "23514"),
                ("another site on a van-day with seats left", { try await book(seat: capacity, at: otherSite, on: freeDay) }, "23503"),
                ("a van appointment without a site", { try await book(seat: capacity, at: nil, on: freeDay) }, "23514"),
                ("the van booked as a hospital", { try await book(seat: capacity, at: nil, kind: "hospital", on: freeDay) }, "23503"),
                ("a day the van has no van-day", { try await book(seat: 1, at: site, on: CalendarDate("2027-12-31")!) }, "23503"),
                ("a second site for the van-day", {
                    try await pool.query("""
                        INSERT INTO benefit.van_day (campaign_id, cycle, van, day, site, workday, daily_capacity, run_id, first_rank, last_rank)
                        VALUES (\(campaign), '2026', \(van), \(day), \(otherSite), 0, \(capacity), \(run), 100000, 100000)
                        """)
                }, "23505"),
                ("the van-day moved to another site under its appointments", {
                    try await pool.query("UPDATE benefit.van_day SET site = \(otherSite) WHERE van = \(van) AND day = \(day)")
                }, "23001"),
                ("a van-day over the van's capacity", {
                    try await pool.query("UPDATE benefit.van_day SET last_rank = first_rank + \(capacity) WHERE van = \(van) AND day = \(day)")
                }, "23514"),
            ]
            for (what, attempt, state) in attempts {
                let error = await #expect(throws: PostgresError.self, "\(what)") { try await attempt() }
                #expect(error?.sqlState == state, "\(what): \(error?.description ?? "")")
            }

            let insertVanDay = """
                INSERT INTO benefit.van_day (campaign_id, cycle, van, day, site, workday, daily_capacity, run_id, first_rank, last_rank)
                SELECT campaign_id, cycle, van, day + 1, site, workday + 1, daily_capacity, run_id, 100000, 100000 FROM benefit.van_day LIMIT 1
                """
            for role in [DatabaseRole.worker, .operator] {
                try await TestDatabase.withLogin(memberOf: role, on: configuration) { login in
                    for sql in [insertVanDay, "UPDATE benefit.van_day SET site = 'U999'", "DELETE FROM benefit.van_day",
                                "UPDATE benefit.appointment SET site = 'U999'", "UPDATE benefit.checkup_hospital SET daily_capacity = 100000"] {
                        let state = try await HostileLoginTests.refusal(sql, on: login)
                        #expect(state == "42501", "\(role): \(sql) → \(state ?? "allowed")")
                    }
                }
            }
            for (rule, sql) in CheckupVanFixtures.broken {
                #expect(try await pool.query(PostgresQuery(unsafeSQL: sql)).single(Int.self) == 0, "\(rule)")
            }
        }
    }

    @Test("a van appointment moves only to another day its van is at the same site: other days, vans and full days are refused naming its free days")
    func vanMovesStayWithTheVanAndSite() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 16)
            defer { pool.close() }
            #expect(try await CheckupVanFixtures.book(800, on: pool).state == .succeeded)
            // A unit over several days whose last day has a seat free.
            let (van, site, full, last) = try await pool.query("""
                SELECT van, site, min(day), max(day) FROM benefit.van_route GROUP BY van, site
                HAVING count(*) >= 2 AND min(booked) < max(capacity)
                ORDER BY site COLLATE "C" LIMIT 1
                """).single((String, String, CalendarDate, CalendarDate).self)
            let otherVan = try await pool.query("SELECT DISTINCT van FROM benefit.van_day WHERE van <> \(van)").single(String.self)
            let (elsewhere, otherSite) = try await pool.query("""
                SELECT day, site FROM benefit.van_day WHERE van = \(van) AND site <> \(site) ORDER BY day LIMIT 1
                """).single((CalendarDate, String).self)
            let member = try await pool.query("""
                SELECT member_id FROM benefit.appointment WHERE site = \(site) AND appointment_date = \(full) ORDER BY member_id LIMIT 1
                """).single(String.self)
            func move(_ who: String, to date: CalendarDate, van: String? = nil) async throws -> MovedAppointment {
                try await BookingChanges.move(
                    AppointmentMove(Booking(campaign: CheckupVanFixtures.campaign, memberID: who), to: date, hospital: van, reason: "出差"),
                    by: "test@host", on: pool)
            }
            let notThere = await #expect(throws: BookingChanges.Refusal.self) { _ = try await move(member, to: elsewhere) }
            #expect(notThere?.description == "van \(van) is not at \(site) on \(elsewhere); its days there with a free seat: \(last)",
                    "\(notThere?.description ?? "") (\(otherSite))")
            let otherVanRefusal = await #expect(throws: BookingChanges.Refusal.self) { _ = try await move(member, to: last, van: otherVan) }
            #expect(otherVanRefusal?.description.contains("is on van \(van) at \(site): it moves only to another day of that van there") == true,
                    "\(otherVanRefusal?.description ?? "")")

            let moved = try await move(member, to: last)
            #expect(moved.fromDate == full && moved.toDate == last && moved.toHospital == van)
            #expect(try await pool.query("""
                SELECT hospital || ' ' || appointment_date || ' ' || site FROM benefit.appointment WHERE member_id = \(member)
                """).single(String.self) == "\(van) \(last) \(site)")

            // Fill the last day, then a move into it is refused as full.
            var left = try await pool.query("SELECT capacity - booked FROM benefit.van_route WHERE van = \(van) AND day = \(last)").single(Int.self)
            let fullDayMembers = try await pool.query("""
                SELECT member_id FROM benefit.appointment WHERE site = \(site) AND appointment_date = \(full) AND member_id <> \(member)
                ORDER BY member_id
                """).decode(String.self)
            var movers = fullDayMembers[...]
            while left > 0, let next = movers.popFirst() {
                _ = try await move(next, to: last)
                left -= 1
            }
            let back = try await pool.query("""
                SELECT member_id FROM benefit.appointment WHERE site = \(site) AND appointment_date = \(full) ORDER BY member_id LIMIT 1
                """).single(String.self)
            let fullRefusal = await #expect(throws: BookingChanges.Refusal.self) { _ = try await move(back, to: last) }
            #expect(fullRefusal?.description.hasPrefix("van \(van) on \(last) is full (13 appointments a day); its days at \(site) with a free seat: ") == true,
                    "\(fullRefusal?.description ?? "")")
            for (rule, sql) in CheckupVanFixtures.broken.prefix(5) {
                #expect(try await pool.query(PostgresQuery(unsafeSQL: sql)).single(Int.self) == 0, "\(rule)")
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.audit WHERE action = 'appointment.move'").single(Int.self) >= 2)
        }
    }

    @Test("the report shows each van's route by day, in text and CSV, as the appointments are")
    func reportShowsVanRoutes() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 16)
            defer { pool.close() }
            #expect(try await CheckupVanFixtures.book(400, workers: 2, on: pool).state == .succeeded)
            let expected = try await pool.query("""
                SELECT hospital, appointment_date::text, site, count(*)::int FROM benefit.appointment
                WHERE cancelled_at IS NULL GROUP BY hospital, appointment_date, site ORDER BY hospital COLLATE "C", appointment_date
                """).decode((String, String, String, Int).self)
            let report = try await CampaignEvaluation.read(campaign: CheckupVanFixtures.campaign, on: pool)
            #expect(report.route.map { "\($0.van) \($0.day) \($0.site) \($0.booked)/\($0.capacity)" }
                    == expected.map { "\($0.0) \($0.1) \($0.2) \($0.3)/\(CheckupVanFixtures.capacity)" })
            #expect(!report.route.isEmpty)
            // docs/sql.md's question 29a, for this campaign and cycle, as benefit_admin: the same route.
            let documented = try #require(try DocumentedSQL.queries().first { $0.contains("benefit.van_route") })
            let asked = documented.replacingOccurrences(of: "'checkup-vans'", with: "'vans'").replacingOccurrences(of: "'2027'", with: "'2026'")
            let answered = try await TestDatabase.withLogin(memberOf: .admin, on: configuration) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: asked)).decode((String, String, String, Int, Int).self)
                    .map { "\($0.0) \($0.1) \($0.2) \($0.3)/\($0.4)" }
            }
            #expect(answered == report.route.map { "\($0.van) \($0.day) \($0.site) \($0.booked)/\($0.capacity)" })
            let text = report.text()
            #expect(text.contains("van routes\nVAN"))
            let lines = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            for stop in report.route {
                #expect(lines.contains("\(stop.van) \(stop.day) \(stop.site) \(stop.booked) \(stop.capacity)"), "\(stop)")
            }
            let csv = report.csv()
            for stop in report.route {
                #expect(csv.contains("route,\(stop.van),\(stop.day),site,\(stop.site)\r\nroute,\(stop.van),\(stop.day),booked,\(stop.booked)\r\n"
                                     + "route,\(stop.van),\(stop.day),capacity,\(stop.capacity)\r\n"), "\(stop)")
            }
            #expect(report.html().contains("<h2>Van routes</h2>"))
        }
    }
}
