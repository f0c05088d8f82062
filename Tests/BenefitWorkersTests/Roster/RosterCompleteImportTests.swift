import BenefitAudit
import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `members import --complete`: the file is the whole roster, so whoever is not
/// in it leaves; too many leaving means the wrong file, refused whole.
@Suite("Roster import of a complete roster, and re-joining")
struct RosterCompleteImportTests {
    static let today = CalendarDate("2026-12-05")!

    /// Members `K001` … in `numbers`, all alike but for their id.
    static func members(_ numbers: some Sequence<Int>) -> [Member] {
        numbers.map {
            Member(
                memberID: "K" + String(format: "%03d", $0), name: "成员\($0)", orgUnit: "市公交集团", gender: .female,
                birthDate: CalendarDate("1980-01-01")!, employment: .staff)
        }
    }

    static func file(_ numbers: some Sequence<Int>, named name: String) throws -> String {
        try RosterImportTests.write(members(numbers), named: name)
    }

    static func importing(_ path: String, dryRun: Bool = false, complete: CompleteRoster? = nil, on pool: PostgresPool)
        async throws -> RosterImport.Summary
    {
        try await RosterImport.run(path: path, dryRun: dryRun, today: today, complete: complete, by: "alice@ops-1", on: pool)
    }

    /// `member_id, left_on, left_reason` of every member who left, by id.
    static func leftMembers(on pool: PostgresPool) async throws -> [String] {
        try await pool.query("SELECT member_id FROM benefit.members WHERE status = 'left' ORDER BY member_id").decode(String.self)
    }

    @Test("members absent from a complete roster leave today, as absent, with the file named, in the import's transaction and audit row")
    func completeImportMarksAbsentees() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            _ = try await Self.importing(try Self.file(1...100, named: "all.csv"), on: login)
            let whole = try Self.file(Array(1...95) + [101], named: "roster-2027.csv")
            let summary = try await Self.importing(whole, complete: CompleteRoster(), on: login)
            #expect(summary.added == 1 && summary.updated == 0 && summary.unchanged == 95)
            #expect(summary.left == 5)

            #expect(try await Self.leftMembers(on: owner) == ["K096", "K097", "K098", "K099", "K100"])
            let marks = try await owner.query("SELECT DISTINCT left_on, left_reason, left_note FROM benefit.members WHERE status = 'left'")
                .decode((CalendarDate, String, String).self)
            #expect(marks.count == 1)
            #expect(marks.first.map { $0.0 == Self.today && $0.1 == "absent" } == true)
            #expect(marks.first?.2.hasSuffix("roster-2027.csv") == true, "\(marks)")
            #expect(try await owner.query("SELECT count(*) FROM benefit.membership_change WHERE change = 'left'").single(Int.self) == 5)
            #expect(try await owner.query("SELECT count(*) FROM benefit.members WHERE status = 'active'").single(Int.self) == 96)

            let events = try await AuditTrail.events(AuditFilter(), on: owner)
            #expect(events.count == 2)
            let recorded = events.first { $0.target == whole }
            #expect(recorded?.action == .rosterImport)
            #expect(recorded?.details == ["added": 1, "updated": 0, "unchanged": 95, "complete": true, "left": 5])
        }
    }

    @Test("a complete roster that would make more than the share leave is refused whole; a larger share lets it through")
    func completeImportRefusesAboveTheShare() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            _ = try await Self.importing(try Self.file(1...100, named: "all.csv"), on: pool)
            // One org unit's part of the roster, with a newcomer and a changed member.
            var part = Self.members(1...80) + Self.members([200])
            part[0].hardshipTier = 2
            let path = try RosterImportTests.write(part, named: "one-branch.csv")

            let error = await #expect(throws: RosterError.self) { try await Self.importing(path, complete: CompleteRoster(), on: pool) }
            #expect(error?.code == .tooManyLeaving)
            #expect(error?.summary == "\(path): 20 of 100 active members (20 %) are not in the file, more than the 10 % a complete roster may drop (see --max-leaving-share); nothing was imported")
            #expect(try await Self.leftMembers(on: pool).isEmpty)
            #expect(try await pool.query("SELECT count(*) FROM benefit.member").single(Int.self) == 100)
            let tier = try await pool.query("SELECT hardship_tier FROM benefit.member WHERE member_id = 'K001'").single(Int?.self)
            #expect(tier == nil, "K001's tier: \(String(describing: tier))")
            #expect(try await pool.query("SELECT count(*) FROM benefit.membership_change").single(Int.self) == 0)
            #expect(try await AuditTrail.events(AuditFilter(), on: pool).count == 1)

            let summary = try await Self.importing(path, complete: CompleteRoster(maxLeavingPercent: 20), on: pool)
            #expect(summary.left == 20 && summary.added == 1 && summary.updated == 1)
            #expect(try await Self.leftMembers(on: pool) == (81...100).map { "K" + String(format: "%03d", $0) })
        }
    }

    @Test("a dry run of a complete roster counts who would leave and writes nothing")
    func completeDryRunWritesNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            _ = try await Self.importing(try Self.file(1...50, named: "all.csv"), on: pool)
            let path = try Self.file(1...47, named: "roster.csv")
            let summary = try await Self.importing(path, dryRun: true, complete: CompleteRoster(), on: pool)
            #expect(summary.left == 3 && summary.dryRun)
            #expect(try await Self.leftMembers(on: pool).isEmpty)
            #expect(try await pool.query("SELECT count(*) FROM benefit.membership_change").single(Int.self) == 0)
            #expect(try await AuditTrail.events(AuditFilter(), on: pool).count == 1)
            // Too many leaving is refused in a dry run as it would be for real.
            let tooFew = try Self.file(1...10, named: "few.csv")
            await #expect(throws: RosterError.self) { try await Self.importing(tooFew, dryRun: true, complete: CompleteRoster(), on: pool) }
        }
    }

    @Test("a member who left and is in a later import re-joins: active again, counted as updated, both changes on record")
    func importRejoinsLeftMembers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            let path = try Self.file(1...5, named: "all.csv")
            _ = try await Self.importing(path, on: pool)
            let departure = try Departure(memberID: "K002", leftOn: CalendarDate("2026-11-01")!, reason: .transferred, note: nil, today: Self.today)
            try await MemberLeave.record(departure, by: "alice@ops-1", on: pool)
            #expect(try await Self.leftMembers(on: pool) == ["K002"])

            let summary = try await Self.importing(path, on: pool)
            #expect(summary.rejoined == 1 && summary.updated == 1 && summary.unchanged == 4 && summary.left == nil)
            #expect(try await Self.leftMembers(on: pool).isEmpty)
            #expect(try await pool.query("SELECT left_on, left_reason, left_note FROM benefit.member WHERE member_id = 'K002'")
                .single((CalendarDate?, String?, String?).self) == (nil, nil, nil))
            let changes = try await pool.query("SELECT change FROM benefit.membership_change WHERE member_id = 'K002' ORDER BY id")
                .decode(String.self)
            #expect(changes == ["left", "rejoined"])
            let history = try await pool.query("""
                SELECT kind FROM benefit.member_history WHERE member_id = 'K002' ORDER BY at, kind
                """).decode(String.self)
            #expect(history.sorted() == ["joined", "joined", "left"])
            let events = try await AuditTrail.events(AuditFilter(), on: pool)
            #expect(events.contains { $0.action == .rosterImport && $0.details["rejoined"] == 1 })
            // Re-importing the same file again changes nothing more.
            let again = try await Self.importing(path, on: pool)
            #expect(again.rejoined == 0 && again.updated == 0 && again.unchanged == 5)
        }
    }
}
