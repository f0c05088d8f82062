import BenefitAudit
import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// Members who leave: out of every program's population from their leave date,
/// their history kept, back when an import lists them again.
@Suite("Membership status: members who leave")
struct MembershipStatusTests {
    /// Test runs fire on 1 December 2026 in Shanghai (ProgramFixtures.fireTime): their reference date.
    static let fireDate = CalendarDate("2026-12-01")!
    static let today = CalendarDate("2026-12-31")!

    static func leave(_ id: String, on date: String, _ reason: LeaveReason = .transferred, pool: PostgresPool) async throws {
        let departure = try Departure(memberID: id, leftOn: CalendarDate(date)!, reason: reason, note: nil, today: today)
        try await MemberLeave.record(departure, by: "tester@tests", on: pool)
    }

    // MARK: The three programs

    @Test("seasonal relief grants no member who left on or before the fire date (in the campaign's zone), and grants one who leaves after it")
    func reliefLeavesOutLeftMembers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await ReliefFixtures.insertUniformMembers(10, tier: 3, on: pool)
            try await Self.leave("M000002", on: "2026-11-30", pool: pool)
            try await Self.leave("M000003", on: "2026-12-01", .deceased, pool: pool)
            try await Self.leave("M000004", on: "2026-12-02", pool: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(
                name: "winter", parameters: #"{ season: winter-warmth, eligibility: { hardshipTier: [3] }, amounts: { "3": 800 }, budget: 100000 }"#),
                on: pool)
            // 07:00 on 1 December in Shanghai is still 30 November in UTC: the fire date is the campaign zone's.
            var morning = DateComponents(year: 2026, month: 12, day: 1, hour: 7)
            morning.timeZone = TimeZone(identifier: "Asia/Shanghai")
            let fireTime = try #require(Calendar(identifier: .gregorian).date(from: morning))
            let run = try await ReliefFixtures.withWorkers(1, pool: pool) {
                try await ProgramFixtures.finish(try await ProgramFixtures.trigger("winter", at: fireTime, on: pool), pool: pool)
            }
            #expect(run.state == .succeeded)
            #expect(run.membersTotal == 8)
            let granted = try await ReliefFixtures.grants(on: pool).map(\.member)
            #expect(granted == ["M000001", "M000004", "M000005", "M000006", "M000007", "M000008", "M000009", "M000010"])
            #expect(try await ReliefFixtures.waitlist(on: pool).isEmpty)
        }
    }

    @Test("a health-checkup run books no member who left before its fire date, and books the active ones")
    func checkupLeavesOutLeftMembers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await CheckupFixtures.insertMembers(40, on: pool)
            // C000001 and C000002: never checked up, staff: due while they are members.
            try await Self.leave("C000001", on: "2026-06-30", .retired, pool: pool)
            let run = try await CheckupFixtures.run(workers: 1, on: pool)
            #expect(run.state == .succeeded)
            let booked = Set(try await CheckupFixtures.appointments(on: pool).map(\.member))
            #expect(!booked.contains("C000001"))
            #expect(booked.contains("C000002"))
            let due = try await pool.query("""
                SELECT count(*) FROM benefit.member
                WHERE employment <> 'migrant' AND (last_checkup_date IS NULL OR last_checkup_date <= date '2026-03-06')
                """).single(Int.self)
            #expect(run.membersTotal == due - 1)
            #expect(booked.count == due - 1)
        }
    }

    @Test("a recuperation run ranks no member who left before its fire date; the active ones are placed")
    func recuperationLeavesOutLeftMembers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            for id in ["A1", "A2", "A3"] { try await RecuperationFixtures.insertMember(id, frontline: id == "A2", on: pool) }
            try await Self.leave("A2", on: "2026-10-01", pool: pool)
            try await ProgramFixtures.apply(RecuperationFixtures.campaignYAML(
                name: "spring", parameters: "{ sites: [{ name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 5 }] }] }"), on: pool)
            let run = try await ProgramFixtures.runToEnd("spring", queue: RecuperationFixtures.queue, pool: pool)
            #expect(run.state == .succeeded)
            #expect(run.membersTotal == 2)
            #expect(Set(try await RecuperationFixtures.placements("spring", on: pool).keys) == ["A1", "A3"])
            #expect(try await RecuperationFixtures.waitlist("spring", on: pool).isEmpty)
        }
    }

    // MARK: Leaving

    @Test("a leave is written with its audit row and membership change; an unknown, an already-left or an unborn member is refused with nothing written")
    func leaveIsAuditedAndChecked() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            try await ReliefFixtures.insertUniformMembers(3, tier: 1, on: owner)
            let departure = try Departure(
                memberID: "M000001", leftOn: CalendarDate("2026-11-30")!, reason: .transferred, note: "to the rail union", today: Self.today)
            try await MemberLeave.record(departure, by: "alice@ops-1", on: login)

            let row = try await owner.query("SELECT status, left_on, left_reason, left_note FROM benefit.members WHERE member_id = 'M000001'")
                .single((String, CalendarDate, String, String).self)
            #expect(row == ("left", CalendarDate("2026-11-30")!, "transferred", "to the rail union"))
            let changes = try await owner.query("SELECT member_id, change, left_on, reason, note FROM benefit.membership_change")
                .decode((String, String, CalendarDate?, String?, String?).self)
            #expect(changes.count == 1)
            #expect(changes.first.map { $0 == ("M000001", "left", CalendarDate("2026-11-30")!, "transferred", "to the rail union") } == true)
            let events = try await AuditTrail.events(AuditFilter(), on: owner)
            #expect(events.map(\.action) == [.memberLeave])
            #expect(events.first?.target == "M000001" && events.first?.reason == "to the rail union")
            #expect(events.first?.details == ["leftOn": "2026-11-30", "leftReason": "transferred"])
            #expect(events.first?.databaseUser == login.configuration.parameter("user"))

            let refusals: [(Departure, MembershipError.Code)] = [
                (try Departure(memberID: "NOBODY", leftOn: Self.fireDate, reason: .deceased, note: nil, today: Self.today), .noSuchMember),
                (departure, .alreadyLeft),
                (try Departure(memberID: "M000002", leftOn: CalendarDate("1950-01-01")!, reason: .retired, note: nil, today: Self.today),
                 .invalidDeparture),
            ]
            for (refused, code) in refusals {
                let error = await #expect(throws: MembershipError.self) { try await MemberLeave.record(refused, by: "alice@ops-1", on: login) }
                #expect(error?.code == code, "\(refused.memberID): \(String(describing: error))")
            }
            #expect(try await owner.query("SELECT count(*) FROM benefit.membership_change").single(Int.self) == 1)
            #expect(try await AuditTrail.events(AuditFilter(), on: owner).count == 1)
            #expect(try await owner.query("SELECT count(*) FROM benefit.member WHERE left_on IS NOT NULL").single(Int.self) == 1)
        }
    }

    @Test("a departure after today, or with a blank note, is refused before it reaches the database")
    func departureChecksItsValues() {
        #expect(throws: MembershipError.self) {
            try Departure(memberID: "M1", leftOn: CalendarDate("2027-01-01")!, reason: .transferred, note: nil, today: Self.today)
        }
        #expect(throws: MembershipError.self) {
            try Departure(memberID: "M1", leftOn: Self.fireDate, reason: .transferred, note: "  ", today: Self.today)
        }
        #expect(throws: Never.self) {
            try Departure(memberID: "M1", leftOn: Self.today, reason: .deceased, note: nil, today: Self.today)
        }
    }

    @Test("a complete roster may drop up to its share of the active members, no more")
    func completeRosterShare() {
        let rule = CompleteRoster(maxLeavingPercent: 10)
        #expect(rule.allows(leaving: 10, of: 100))
        #expect(!rule.allows(leaving: 11, of: 100))
        #expect(rule.allows(leaving: 0, of: 0))
        #expect(CompleteRoster(maxLeavingPercent: 100).allows(leaving: 5, of: 5))
    }
}
