import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// Changes after booking a checkup (migrations/0024_booking_changes.sql): moves
/// held by the capacity constraints, cancels freeing a seat, no-shows recorded;
/// each audited and in the member's history.
@Suite("Health checkup: appointment moves, cancels and no-shows", .serialized)
struct AppointmentMoveTests {
    static let campaign = "checkup-moves"
    static let hospital = "市第一人民医院"
    /// One hospital of 10 seats a workday from Monday 2027-03-08; 2027-03-15 is a holiday.
    static let parameters = """
        { interval: 1y, startDate: 2027-03-06, holidays: [2027-03-15],
          hospitals: [{ name: 市第一人民医院, dailyCapacity: 10 }, { name: 中医附院, dailyCapacity: 5 }],
          packages: [{ name: standard }] }
        """
    static let firstDay = CalendarDate("2027-03-08")!

    /// A booked cycle: the test roster's due members at two hospitals, the first
    /// workdays full. Returns the members booked per (hospital, day).
    static func book(on pool: PostgresPool) async throws -> [String: [CalendarDate: [String]]] {
        try await CheckupFixtures.insertMembers(120, on: pool)
        try await ProgramFixtures.apply(
            CheckupFixtures.campaignYAML(name: campaign, batchSize: 20, parameters: parameters), on: pool)
        let run = try await ProgramFixtures.runToEnd(campaign, queue: CheckupFixtures.queue, workers: 2, pool: pool)
        #expect(run.state == .succeeded)
        var booked: [String: [CalendarDate: [String]]] = [:]
        for (member, hospital, day) in try await pool.query("""
            SELECT member_id, hospital, appointment_date FROM benefit.appointment ORDER BY member_id
            """).decode((String, String, CalendarDate).self) {
            booked[hospital, default: [:]][day, default: []].append(member)
        }
        return booked
    }

    static func liveOn(_ hospital: String, _ day: CalendarDate, on pool: PostgresPool) async throws -> Int {
        try await pool.query("""
            SELECT count(*) FROM benefit.appointments
            WHERE hospital = \(hospital) AND appointment_date = \(day) AND cancelled_at IS NULL
            """).single(Int.self)
    }

    @Test("a move into a full day, a weekend or a holiday is refused by the database, also by an operator's own SQL, naming the next free workdays")
    func moveIntoFullDayIsRefusedNamingFreeDays() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            let booked = try await Self.book(on: pool)
            let days = booked[Self.hospital]!.keys.sorted()
            #expect(days.count >= 3, "the roster must fill a few days: \(days)")
            #expect(booked[Self.hospital]![Self.firstDay]?.count == 10)
            let member = booked[Self.hospital]![days.last!]!.first!
            // The free days: the last booked day (not full) and the workdays after it.
            let lastCount = booked[Self.hospital]![days.last!]!.count
            let refusal = await #expect(throws: BookingChanges.Refusal.self) {
                _ = try await BookingChanges.move(
                    AppointmentMove(Booking(campaign: Self.campaign, memberID: member), to: Self.firstDay, reason: "出差"),
                    by: "test@host", on: pool)
            }
            #expect(refusal?.description.hasPrefix("\(Self.hospital) on 2027-03-08 is full (10 appointments a day); next free workdays: ") == true,
                    "\(refusal?.description ?? "")")
            if lastCount < 10 { #expect(refusal?.description.contains("\(days.last!)") == true, "\(refusal?.description ?? "")") }
            for day in ["2027-03-13", "2027-03-15"] {
                let notWorkday = await #expect(throws: BookingChanges.Refusal.self) {
                    _ = try await BookingChanges.move(
                        AppointmentMove(Booking(campaign: Self.campaign, memberID: member), to: CalendarDate(day)!, reason: "x"),
                        by: "test@host", on: pool)
                }
                #expect(notWorkday?.description.contains("next free workdays: ") == true, "\(notWorkday?.description ?? "")")
            }

            // An operator's login, by hand: the function refuses the same way; the table cannot be written.
            try await TestDatabase.withLogin(memberOf: .operator, on: configuration) { login in
                let byHand = await #expect(throws: PostgresError.self) {
                    try await login.query("""
                        SELECT * FROM benefit.move_appointment(\(Self.campaign), \(member), NULL, date '2027-03-08', NULL, 'by hand', 'op@host')
                        """)
                }
                #expect(byHand?.sqlState == "23514")
                #expect(byHand?.message.contains("is full (10 appointments a day); next free workdays: ") == true, "\(byHand?.message ?? "")")
                let direct = await #expect(throws: PostgresError.self) {
                    try await login.query("UPDATE benefit.appointment SET appointment_date = date '2027-03-08' WHERE member_id = \(member)")
                }
                #expect(direct?.sqlState == "42501")
                let seats = await #expect(throws: PostgresError.self) {
                    try await login.query("UPDATE benefit.checkup_hospital SET seats_taken = 0")
                }
                #expect(seats?.sqlState == "42501")
            }
            #expect(try await Self.liveOn(Self.hospital, Self.firstDay, on: pool) == 10)
            #expect(try await pool.query("SELECT count(*) FROM benefit.audit WHERE action = 'appointment.move'").single(Int.self) == 0)

            // A move into a free workday of the other hospital: done, audited, in the member's history.
            let moved = try await BookingChanges.move(
                AppointmentMove(Booking(campaign: Self.campaign, memberID: member), to: CalendarDate("2027-06-01")!, hospital: "中医附院",
                                reason: "换班"),
                by: "test@host", on: pool)
            #expect(moved.toHospital == "中医附院" && moved.toDate == CalendarDate("2027-06-01")! && moved.fromHospital == Self.hospital)
            let audit = try await pool.query("""
                SELECT target_type, target, reason, details->>'to_hospital', details->>'to_date' FROM benefit.audit WHERE action = 'appointment.move'
                """).decode((String, String, String?, String, String).self)
            #expect(audit.count == 1 && audit.first?.0 == "appointment" && audit.first?.1 == member && audit.first?.2 == "换班")
            #expect(audit.first?.3 == "中医附院" && audit.first?.4 == "2027-06-01")
            let history = try await pool.query("""
                SELECT detail FROM benefit.member_history WHERE member_id = \(member) AND kind = 'appointment-moved'
                """).decode(String.self)
            #expect(history == ["\(Self.hospital) · \(days.last!) → 中医附院 · 2027-06-01 · 换班"])
            #expect(try await pool.query("""
                SELECT hospital || ' ' || appointment_date FROM benefit.appointments WHERE member_id = \(member)
                """).single(String.self) == "中医附院 2027-06-01")
        }
    }

    @Test("8 concurrent moves into the last free seat of a day: exactly one succeeds, the day never over capacity")
    func eightConcurrentMovesIntoTheLastSeat() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            let booked = try await Self.book(on: pool)
            let days = booked[Self.hospital]!.keys.sorted()
            // A cancel frees one seat of the full first day.
            let leaving = booked[Self.hospital]![Self.firstDay]!.first!
            let cancelled = try await BookingChanges.cancelAppointment(
                Booking(campaign: Self.campaign, memberID: leaving), reason: "住院", by: "test@host", on: pool)
            #expect(cancelled.date == Self.firstDay && cancelled.place == Self.hospital)
            #expect(try await Self.liveOn(Self.hospital, Self.firstDay, on: pool) == 9)
            let movers = Array(days.dropFirst().flatMap { booked[Self.hospital]![$0]! }.prefix(8))
            #expect(movers.count == 8)

            try await TestDatabase.withLogins([.operator], on: configuration) { logins in
                let operatorPool = PostgresPool(configuration: logins[.operator]!, maxConnections: 8)
                defer { operatorPool.close() }
                let outcomes = try await withThrowingTaskGroup(of: (String, String?).self) { group in
                    for member in movers {
                        group.addTask {
                            do {
                                _ = try await BookingChanges.move(
                                    AppointmentMove(Booking(campaign: Self.campaign, memberID: member), to: Self.firstDay, reason: "同一天"),
                                    by: "op@host", on: operatorPool)
                                return (member, nil)
                            } catch let refusal as BookingChanges.Refusal {
                                return (member, refusal.description)
                            }
                        }
                    }
                    return try await group.reduce(into: [String: String?]()) { $0[$1.0] = $1.1 }
                }
                let winners = outcomes.filter { $0.value == nil }.map(\.key)
                #expect(winners.count == 1, "\(outcomes)")
                for (_, refusal) in outcomes where refusal != nil {
                    #expect(refusal!.contains("is full (10 appointments a day); next free workdays: "), "\(refusal!)")
                }
                #expect(try await Self.liveOn(Self.hospital, Self.firstDay, on: pool) == 10)
                #expect(try await pool.query("""
                    SELECT appointment_date FROM benefit.appointments WHERE member_id = \(winners.first ?? "")
                    """).single(CalendarDate.self) == Self.firstDay)
                #expect(try await pool.query("SELECT count(*) FROM benefit.audit WHERE action = 'appointment.move'").single(Int.self) == 1)
            }
            // No (hospital, day) over capacity, counting live appointments.
            #expect(try await pool.query("""
                SELECT count(*) FROM (
                    SELECT 1 FROM benefit.appointment WHERE cancelled_at IS NULL
                    GROUP BY hospital, appointment_date HAVING count(*) > max(daily_capacity)) over
                """).single(Int.self) == 0)
            // The cancelled appointment stays, for history, and in the member's file.
            let (at, reason) = try await pool.query("""
                SELECT cancelled_at IS NOT NULL, cancel_reason FROM benefit.appointments WHERE member_id = \(leaving)
                """).single((Bool, String?).self)
            #expect(at && reason == "住院")
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.member_history WHERE member_id = \(leaving) AND kind = 'appointment-cancelled'
                """).single(Int.self) == 1)
        }
    }

    @Test("a move past the days the plans reached: a later run of the cycle plans after it, so no seat is handed out twice")
    func laterRunPlansAfterAMovedSeat() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            let booked = try await Self.book(on: pool)
            let far = CalendarDate("2027-06-01")!
            let members = Array(booked.values.flatMap { $0.values.joined() }.sorted().prefix(2))
            for (member, hospital) in zip(members, [Self.hospital, "中医附院"]) {
                _ = try await BookingChanges.move(
                    AppointmentMove(Booking(campaign: Self.campaign, memberID: member), to: far, hospital: hospital, reason: "出差"),
                    by: "test@host", on: pool)
            }
            // New members, due, in units the next run books at either hospital.
            try await pool.query("""
                INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
                SELECT 'N' || lpad(g::text, 4, '0'), 'New ' || g, 'N' || (g % 3), 'M', date '1980-01-01', 'staff'
                FROM generate_series(1, 40) AS g
                """)
            let second = try await ProgramFixtures.runToEnd(Self.campaign, queue: CheckupFixtures.queue, day: 2, workers: 2, pool: pool)
            #expect(second.state == .succeeded && second.membersDone == 40)
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.appointments WHERE member_id LIKE 'N%' AND appointment_date < \(far)
                """).single(Int.self) == 0)
            #expect(try await pool.query("SELECT count(*) FROM benefit.appointments WHERE member_id LIKE 'N%'").single(Int.self) == 40)
            #expect(try await pool.query("""
                SELECT count(*) FROM (
                    SELECT 1 FROM benefit.appointment WHERE cancelled_at IS NULL
                    GROUP BY hospital, appointment_date HAVING count(*) > max(daily_capacity)) over
                """).single(Int.self) == 0)
        }
    }

    @Test("a no-show is recorded on the appointment, keeps its seat, is audited and shows in the member's history")
    func noShowKeepsTheSeat() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            let booked = try await Self.book(on: pool)
            let member = booked[Self.hospital]![Self.firstDay]!.first!
            let missed = try await BookingChanges.recordNoShow(Booking(campaign: Self.campaign, memberID: member), by: "test@host", on: pool)
            #expect(missed.date == Self.firstDay)
            #expect(try await pool.query("SELECT no_show_at IS NOT NULL FROM benefit.appointments WHERE member_id = \(member)")
                .single(Bool.self))
            #expect(try await Self.liveOn(Self.hospital, Self.firstDay, on: pool) == 10)
            await #expect(throws: BookingChanges.Refusal.self) {
                _ = try await BookingChanges.recordNoShow(Booking(campaign: Self.campaign, memberID: member), by: "test@host", on: pool)
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.audit WHERE action = 'appointment.no-show' AND target = \(member)")
                .single(Int.self) == 1)
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.member_history WHERE member_id = \(member) AND kind = 'appointment-no-show'
                """).single(Int.self) == 1)
        }
    }
}
