import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `benefit.member_history` (一户一档): one row for each thing done for a member
/// and each change of their membership, matching the effect tables.
@Suite("Member history view")
struct MemberHistoryTests {
    /// `member/kind` → `count, sum of amounts` (text, NULL as "").
    typealias Tally = [String: String]

    static func tally(_ query: PostgresQuery, on pool: PostgresPool) async throws -> Tally {
        let rows = try await pool.query(query).decode((String, String, Int, String?).self)
        return Dictionary(uniqueKeysWithValues: rows.map { ("\($0.0)/\($0.1)", "\($0.2) \($0.3 ?? "")") })
    }

    @Test("every member's history has, per kind, the count and amounts of the effect tables and membership records, in time order")
    func historyMatchesTheEffectTables() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 16)
            _ = try await RosterImport.generated(count: 400, seed: 7, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(
                name: "winter-warmth", parameters: #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 48000 }"#),
                on: pool)
            try await ProgramFixtures.apply(CheckupFixtures.campaignYAML(), on: pool)
            try await ProgramFixtures.apply(RecuperationFixtures.campaignYAML(
                name: "spring", parameters: "{ sites: [{ name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 20 }] }] }"), on: pool)
            for (campaign, queue) in [("winter-warmth", ReliefFixtures.queue), ("checkup", CheckupFixtures.queue), ("spring", RecuperationFixtures.queue)] {
                let run = try await ProgramFixtures.runToEnd(campaign, queue: queue, pool: pool)
                #expect(run.state == .succeeded, "\(campaign)")
            }
            // A granted member leaves; a waitlisted one leaves and is back.
            let granted = try await pool.query("SELECT member_id FROM benefit.grant ORDER BY member_id LIMIT 1").single(String.self)
            let waitlisted = try await pool.query(
                "SELECT member_id FROM benefit.waitlist_entry WHERE member_id <> \(granted) ORDER BY member_id LIMIT 1"
            ).single(String.self)
            for id in [granted, waitlisted] {
                let departure = try Departure(
                    memberID: id, leftOn: CalendarDate("2026-12-02")!, reason: .retired, note: "left at 70", today: CalendarDate("2026-12-31")!)
                try await MemberLeave.record(departure, by: "tester@tests", on: pool)
            }
            try await pool.query("UPDATE benefit.member SET left_on = NULL, left_reason = NULL, left_note = NULL WHERE member_id = \(waitlisted)")

            // Counted from the tables, not from the views the history is built on.
            let expected = try await Self.tally("""
                SELECT member_id, 'grant', count(*), sum(amount)::text FROM benefit.grant GROUP BY member_id
                UNION ALL SELECT member_id, 'appointment', count(*), NULL FROM benefit.appointment GROUP BY member_id
                UNION ALL SELECT member_id, 'place', count(*), NULL FROM benefit.allocation GROUP BY member_id
                UNION ALL SELECT member_id, 'waitlist', count(*), NULL FROM benefit.waitlist_entry GROUP BY member_id
                UNION ALL SELECT member_id, 'left', count(*), NULL FROM benefit.membership_change WHERE change = 'left' GROUP BY member_id
                UNION ALL
                SELECT member_id, 'joined', count(*), NULL FROM (
                    SELECT member_id FROM benefit.member WHERE joined_at IS NOT NULL
                    UNION ALL SELECT member_id FROM benefit.membership_change WHERE change = 'rejoined'
                ) AS j GROUP BY member_id
                """, on: pool)
            let history = try await Self.tally("""
                SELECT member_id, kind, count(*), sum(amount)::text FROM benefit.member_history GROUP BY member_id, kind
                """, on: pool)
            #expect(history == expected)
            for kind in ["grant", "appointment", "place", "waitlist", "joined", "left"] {
                #expect(expected.keys.contains { $0.hasSuffix("/" + kind) }, "the runs made no \(kind) to compare")
            }
            #expect(expected.filter { $0.key.hasSuffix("/joined") }.count == 400)

            // One member's file, as `members show` reads it: the same entries, oldest first.
            let file = try #require(try await MemberFile.read(waitlisted, on: pool))
            #expect(file.member.left == nil)
            let kinds = Dictionary(grouping: file.entries, by: \.kind.rawValue).mapValues(\.count)
            let ownTally = history.filter { $0.key.hasPrefix(waitlisted + "/") }
            #expect(kinds.count == ownTally.count)
            for (kind, count) in kinds { #expect(ownTally["\(waitlisted)/\(kind)"]?.hasPrefix("\(count) ") == true, "\(kind)") }
            #expect(file.entries.map(\.at) == file.entries.map(\.at).sorted())
            #expect(file.entries.first?.kind == .joined)
            let leftFile = try #require(try await MemberFile.read(granted, on: pool))
            #expect(leftFile.member.left.map { "\($0.on) \($0.reason) \($0.note ?? "")" } == "2026-12-02 retired left at 70")
            #expect(leftFile.entries.last?.kind == .left)
            #expect(leftFile.entries.last?.detail == "left on 2026-12-02 · retired · left at 70")
            #expect(leftFile.entries.contains { $0.kind == .grant && $0.amount != nil && $0.campaign == "winter-warmth" && $0.runID != nil })
        }
    }
}
