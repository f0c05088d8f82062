import BenefitCore
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// What recuperation runs place, across runs of a cycle and ranking orders, and
/// what the allocation table refuses whoever writes.
@Suite("Recuperation: placement")
struct RecuperationPlacementTests {
    /// Two sessions at one site, 3 and 2 places; a draw by member id's hash for ties.
    static let smallSites = """
        sites: [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 3 }, { start: 2027-04-13, days: 5, capacity: 2 }] }]
        """

    /// Triggers a run of `campaign` in the 2026 cycle (on `day` of December) and runs it to its end.
    static func run(_ campaign: String, day: Int = 1, pool: PostgresPool) async throws -> RunSummary {
        try await ProgramFixtures.runToEnd(campaign, queue: RecuperationFixtures.queue, day: day, workers: 2, pool: pool)
    }

    @Test("a second run of the cycle places only members not yet placed, into the places left, and waitlists nobody twice")
    func laterRunsOfTheCycleShareThePlaces() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            for id in ["A1", "A2", "A3", "A4"] { try await RecuperationFixtures.insertMember(id, on: pool) }
            try await ProgramFixtures.apply(
                RecuperationFixtures.campaignYAML(name: "spring", batchSize: 2, parameters: "{ \(Self.smallSites) }"), on: pool)
            let first = try await Self.run("spring", pool: pool)
            #expect(first.state == .succeeded)
            #expect(first.membersTotal == 4)
            let afterFirst = try await RecuperationFixtures.placements("spring", on: pool)
            #expect(afterFirst.count == 4)

            for id in ["B1", "B2", "B3"] { try await RecuperationFixtures.insertMember(id, on: pool) }
            let second = try await Self.run("spring", day: 2, pool: pool)
            #expect(second.state == .succeeded)
            #expect(second.membersTotal == 3)
            let afterSecond = try await RecuperationFixtures.placements("spring", on: pool)
            #expect(afterSecond.filter { afterFirst[$0.key] == nil }.count == 1)
            #expect(afterFirst.allSatisfy { afterSecond[$0.key] == $0.value })
            #expect(try await RecuperationFixtures.fill("spring", on: pool).map(\.members) == [3, 2])
            let waitlist = try await RecuperationFixtures.waitlist("spring", on: pool)
            #expect(waitlist.values.sorted() == [2, 3])
            #expect(Set(waitlist.keys).isDisjoint(with: afterSecond.keys))
            // The last free seat went to the new member ranked first.
            let seats = try await pool.query("""
                SELECT a.member_id, a.seat, a.rank FROM benefit.allocation a WHERE a.run_id = \(second.runID)
                """).decode((String, Int, Int).self)
            #expect(seats.map { [$0.1, $0.2] } == [[2, 1]])

            // The waitlisted are ranked again (migration 0024), but no place is free:
            // nobody is placed and the waitlist stays as it is.
            let third = try await Self.run("spring", day: 3, pool: pool)
            #expect(third.state == .succeeded)
            #expect(third.membersTotal == waitlist.count)
            #expect(try await RecuperationFixtures.placements("spring", on: pool) == afterSecond)
            #expect(try await RecuperationFixtures.waitlist("spring", on: pool) == waitlist)
        }
    }

    @Test("rankBy's order decides who is placed, and where")
    func rankingOrderMatters() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            // Frontline workers who went recently; model workers who never went; one long-serving member.
            let lastTrips: [String: Int?] = ["F1": 2021, "F2": 2020, "M1": nil, "M2": nil, "S1": 2000]
            try await RecuperationFixtures.insertMember("F1", frontline: true, hired: "2010-01-01", lastTrip: 2021, on: pool)
            try await RecuperationFixtures.insertMember("F2", frontline: true, hired: "2011-01-01", lastTrip: 2020, on: pool)
            try await RecuperationFixtures.insertMember("M1", modelWorker: true, hired: "2015-06-01", on: pool)
            try await RecuperationFixtures.insertMember("M2", modelWorker: true, hired: "2016-06-01", on: pool)
            try await RecuperationFixtures.insertMember("S1", hired: "1995-01-01", lastTrip: 2000, on: pool)
            // Service years on 2026-01-01: S1 31, F1 16, F2 15, M1 10, M2 9. Years since the last trip:
            // M1 and M2 never went, S1 26, F2 6, F1 5.
            let orders = [
                ("front", "[frontline, modelWorker, serviceYears]", ["F1", "F2", "M1", "M2", "S1"]),
                ("model", "[modelWorker, frontline, serviceYears]", ["M1", "M2", "F1", "F2", "S1"]),
                ("last", "[yearsSinceLast, serviceYears]", ["M1", "M2", "S1", "F2", "F1"]),
                ("service", "[serviceYears]", ["S1", "F1", "F2", "M1", "M2"]),
            ]
            let sites = "sites: [{ name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 2 }, { start: 2027-05-18, days: 5, capacity: 1 }] }]"
            for (name, rankBy, _) in orders {
                try await ProgramFixtures.apply(RecuperationFixtures.campaignYAML(
                    name: name, parameters: "{ rankBy: \(rankBy), seed: 7, \(sites) }"), on: pool)
            }
            for (name, _, expected) in orders {
                // Each campaign ranks the same roster: undo the trips the previous one recorded.
                for (member, year) in lastTrips {
                    try await pool.query("UPDATE benefit.member SET last_recuperation_year = \(year) WHERE member_id = \(member)")
                }
                #expect(try await Self.run(name, pool: pool).state == .succeeded)
                let placed = try await RecuperationFixtures.placements(name, on: pool)
                let first = CalendarDate("2027-05-11")!, second = CalendarDate("2027-05-18")!
                #expect(placed == [
                    expected[0]: .init(site: "尚湖", start: first, rank: 1), expected[1]: .init(site: "尚湖", start: first, rank: 2),
                    expected[2]: .init(site: "尚湖", start: second, rank: 3),
                ], "\(name)")
                #expect(try await RecuperationFixtures.waitlist(name, on: pool) == [expected[3]: 4, expected[4]: 5], "\(name)")
            }
        }
    }

    @Test("service years are full years to 1 January of the cycle's year: minServiceYears admits exactly those with enough")
    func serviceYearsAtTheirBoundaries() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            // The 2026 cycle counts years to 2026-01-01: five full years from a hire on or before 2021-01-01.
            let hires: [(String, String?, Bool)] = [
                ("Y1", "2021-01-01", true), ("Y2", "2020-12-31", true), ("Y3", "2020-02-29", true), ("Y4", "1995-01-01", true),
                ("N1", "2021-01-02", false), ("N2", "2021-12-31", false), ("N3", "2026-01-01", false), ("N4", "2026-06-01", false),
                ("N5", nil, false),
            ]
            for (id, hired, _) in hires { try await RecuperationFixtures.insertMember(id, hired: hired, on: pool) }
            let sites = "sites: [{ name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 20 }] }]"
            try await ProgramFixtures.apply(RecuperationFixtures.campaignYAML(
                name: "service", parameters: "{ minServiceYears: 5, rankBy: [serviceYears], seed: 7, \(sites) }"), on: pool)
            let run = try await Self.run("service", pool: pool)
            #expect(run.state == .succeeded)
            let placed = try await RecuperationFixtures.placements("service", on: pool)
            #expect(Set(placed.keys) == Set(hires.filter(\.2).map(\.0)))
            // The longest service ranks first; the three with exactly five years follow in the draw's order.
            #expect(placed["Y4"]?.rank == 1)
        }
    }

    @Test("by serviceYears, members without a hire date rank after members hired last year, whatever the draw")
    func noHireDateRanksLast() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            // Hired in 2025: no full year on 2026-01-01, so 0 service years, which is still more than none known.
            let hired = (1...10).map { "H\($0)" }, unknown = (1...10).map { "U\($0)" }
            for id in hired { try await RecuperationFixtures.insertMember(id, hired: "2025-06-01", on: pool) }
            for id in unknown { try await RecuperationFixtures.insertMember(id, hired: nil, on: pool) }
            let sites = "sites: [{ name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 10 }] }]"
            try await ProgramFixtures.apply(RecuperationFixtures.campaignYAML(
                name: "service", parameters: "{ rankBy: [serviceYears], seed: 7, \(sites) }"), on: pool)
            #expect(try await Self.run("service", pool: pool).state == .succeeded)
            #expect(Set(try await RecuperationFixtures.placements("service", on: pool).keys) == Set(hired))
            let waitlist = try await RecuperationFixtures.waitlist("service", on: pool)
            #expect(Set(waitlist.keys) == Set(unknown))
            #expect(waitlist.values.sorted() == Array(11...20))
        }
    }

    @Test("the allocation table refuses a seat beyond the session's capacity and a seat held twice, whoever writes")
    func constraintsHoldForAnyWriter() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            for id in ["A1", "A2", "A3", "A4", "A5", "A6"] { try await RecuperationFixtures.insertMember(id, on: pool) }
            try await ProgramFixtures.apply(
                RecuperationFixtures.campaignYAML(name: "spring", parameters: "{ \(Self.smallSites) }"), on: pool)
            let run = try await Self.run("spring", pool: pool)
            #expect(run.state == .succeeded)
            #expect(try await RecuperationFixtures.waitlist("spring", on: pool).count == 1)

            // By hand: put the waitlisted member in session 1 (capacity 3) in various ways.
            func insert(seat: Int, capacity: Int) -> PostgresQuery {
                """
                INSERT INTO benefit.allocation (campaign_id, cycle, member_id, run_id, job_id, position, capacity, seat, rank)
                SELECT r.campaign_id, r.cycle, w.member_id, r.id, 0, 1, \(capacity), \(seat), 99
                FROM benefit.run r, benefit.waitlist_entry w WHERE r.id = \(run.runID)
                """
            }
            let refusals: [(PostgresQuery, String)] = [
                (insert(seat: 4, capacity: 3), "23514"),  // past the capacity: the CHECK
                (insert(seat: 4, capacity: 4), "23503"),  // a capacity that is not the session's: the foreign key
                (insert(seat: 2, capacity: 3), "23505"),  // a seat already held: the unique key
                (insert(seat: 0, capacity: 3), "23514"),
            ]
            for (statement, sqlState) in refusals {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == sqlState, "\(error?.description ?? "")")
            }
            let enlarge = await #expect(throws: PostgresError.self) {
                try await pool.query("UPDATE benefit.recuperation_session SET capacity = 4 WHERE position = 1")
            }
            #expect(enlarge?.sqlState == "23503")
            #expect(try await RecuperationFixtures.fill("spring", on: pool).map(\.members) == [3, 2])
        }
    }
}
