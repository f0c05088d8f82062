import BenefitConsole
import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

/// `/members/:id`: one member's file after a real winter-warmth run.
@Suite("Console member page")
struct MemberPageTests {
    @Test("a member's grants and waitlist entries in time order; personal data for operators only; 404 for no such member")
    func memberFile() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            _ = try await RosterImport.generated(count: 400, seed: 7, on: pool)
            let runID = try await ConsoleFixtures.runToEnd(
                CampaignText.yaml(
                    name: "winter-warmth", program: "seasonal-relief", batchSize: 50,
                    parameters: #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 48000 }"#),
                name: "winter-warmth", on: pool)
            let (member, name, amount) = try await pool.query("""
                SELECT g.member_id, m.name, g.amount::text FROM benefit.grants g JOIN benefit.members m USING (member_id)
                ORDER BY g.member_id LIMIT 1
                """).single((String, String, String).self)
            let waitlisted = try await pool.query("SELECT member_id FROM benefit.waitlist ORDER BY member_id LIMIT 1").first(String.self)

            let viewer = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "viewer-ma")
            try await client.execute(uri: "/members/\(member)", method: .get, headers: [.cookie: viewer.cookie]) { response in
                #expect(response.status == .ok)
                let html = ConsoleFixtures.text(response)
                #expect(html.contains("补助") && html.contains("winter-warmth"))
                #expect(html.contains(#"href="/runs/\#(runID)""#))
                #expect(!html.contains(name), "a viewer sees no name")
                #expect(html.contains("个人信息仅对操作员显示"))
            }
            let operatorBrowser = try await ConsoleFixtures.signIn(client, pool: pool, role: .operator, name: "operator-ma")
            try await client.execute(uri: "/members/\(member)", method: .get, headers: operatorBrowser.headers) { response in
                let html = ConsoleFixtures.text(response)
                #expect(html.contains(name))
                #expect(html.contains("¥" + NumberText.amount(Decimal(string: amount)!)))
                #expect(html.contains("grant"))
            }
            if let waitlisted {
                try await client.execute(uri: "/members/\(waitlisted)", method: .get, headers: operatorBrowser.headers) { response in
                    #expect(ConsoleFixtures.text(response).contains("waitlist"))
                }
            }
            // The run's page draws what the program did: money per tier, and the waitlist's size.
            let tiers = try await pool.query("""
                SELECT 'tier ' || tier, sum(amount)::text FROM benefit.grants WHERE run_id = \(runID) AND tier IS NOT NULL GROUP BY tier ORDER BY tier
                """).decode((String, String).self)
            let waitlistSize = try await pool.query("SELECT count(*) FROM benefit.waitlist WHERE run_id = \(runID)").single(Int.self)
            try await client.execute(uri: "/runs/\(runID)", method: .get, headers: [.cookie: viewer.cookie]) { response in
                let html = ConsoleFixtures.text(response)
                #expect(html.contains("各困难等级计划发放金额"))
                for (tier, _) in tiers { #expect(html.contains(">\(tier)</text>"), "\(tier)") }
                #expect(html.contains(#"<strong class="waitlisted">\#(NumberText.grouped(waitlistSize))</strong>"#))
            }
            try await client.execute(uri: "/members?id=\(member)", method: .get, headers: [.cookie: viewer.cookie]) { response in
                #expect(response.status == .found && response.headers[.location] == "/members/\(member)")
            }
            // A member who left: the status, and the leave in the history after the grant.
            try await client.execute(uri: "/members/\(member)", method: .get, headers: [.cookie: viewer.cookie]) { response in
                #expect(ConsoleFixtures.text(response).contains("<dd>在册</dd>"))
            }
            try await MemberLeave.record(
                try Departure(memberID: member, leftOn: CalendarDate("2026-11-30")!, reason: .deceased, note: nil, today: .today()),
                by: "tester@tests", on: pool)
            try await client.execute(uri: "/members/\(member)", method: .get, headers: [.cookie: viewer.cookie]) { response in
                let html = ConsoleFixtures.text(response)
                #expect(html.contains("<dd>已离会 2026-11-30 · deceased</dd>"))
                #expect(html.contains(#"<tr class="entry-left">"#))
            }
            try await client.execute(uri: "/members/NOBODY-1", method: .get, headers: [.cookie: viewer.cookie]) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
