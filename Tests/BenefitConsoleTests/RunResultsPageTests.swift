import BenefitConsole
import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

/// `/runs/:id` after real runs: what each program did, drawn on the server.
@Suite("Console run results")
struct RunResultsPageTests {
    /// How many times `piece` occurs in `text`.
    static func occurrences(of piece: String, in text: String) -> Int {
        text.components(separatedBy: piece).count - 1
    }

    @Test("a relief run's page: the budget burns down one step per committed batch to what the ledger has left; the waitlist in rank order; every attempt drawn on the timeline")
    func reliefRun() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            _ = try await RosterImport.generated(count: 400, seed: 11, on: pool)
            let runID = try await ConsoleFixtures.runToEnd(
                CampaignText.yaml(
                    name: "winter-burn", program: "seasonal-relief", batchSize: 8,
                    parameters: #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 20000 }"#),
                name: "winter-burn", on: pool)
            let remaining = try await pool.query("SELECT remaining FROM benefit.budgets WHERE campaign = 'winter-burn'").single(Decimal.self)
            let batches = try await pool.query("SELECT count(*) FROM benefit.run_batch WHERE run_id = \(runID) AND done_at IS NOT NULL").single(Int.self)
            let waiting = try await pool.query("SELECT member_id FROM benefit.waitlist WHERE run_id = \(runID) ORDER BY rank LIMIT 20").decode(String.self)
            let attempts = try await pool.query("SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(runID)").single(Int.self)
            try #require(batches >= 2 && !waiting.isEmpty, "the fixture must leave several batches and a waitlist: \(batches), \(waiting.count)")

            let viewer = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "viewer-burn")
            try await client.execute(uri: "/runs/\(runID)", method: .get, headers: [.cookie: viewer.cookie]) { response in
                #expect(response.status == .ok)
                let html = ConsoleFixtures.text(response)
                #expect(html.contains("预算消耗"))
                // One horizontal and one vertical move per committed batch, from the whole budget.
                let line = try #require(ConsoleFixtures.value(after: #"<path class="line" d=""#, in: html))
                #expect(Self.occurrences(of: " H", in: line) == batches, "\(line)")
                #expect(html.contains(">¥2.0万</text>"))
                let left = remaining >= 10_000 ? String(format: "¥%.1f万", NSDecimalNumber(decimal: remaining).doubleValue / 10_000)
                    : String(format: "¥%.0f", NSDecimalNumber(decimal: remaining).doubleValue)
                #expect(html.contains(">\(left) 剩余</text>"), "remaining \(remaining)")
                // The waitlist, first ranks first, each linked to the member's file.
                let listed = html.components(separatedBy: #"<table class="waitlist">"#).last?
                    .components(separatedBy: #"<td><a href="/members/"#).dropFirst()
                    .compactMap { $0.split(separator: "\"").first.map(String.init) } ?? []
                #expect(listed == waiting)
                // Every attempt of the run is a bar (the run has fewer jobs than the timeline's rows).
                #expect(Self.occurrences(of: #"<rect class="attempt outcome-"#, in: html) == attempts)
                #expect(html.contains(#"<li class="outcome-succeeded">"#))
            }
        }
    }

    @Test("a checkup run's page: one heatmap cell per hospital and day booked, the full days outlined")
    func checkupRun() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            _ = try await RosterImport.generated(count: 300, seed: 5, on: pool)
            let runID = try await ConsoleFixtures.runToEnd(
                CampaignText.yaml(
                    name: "checkup-heat", program: "health-checkup", batchSize: 50, queue: "checkup",
                    parameters: """
                        { interval: 1y, startDate: 2027-03-01, holidays: [2027-04-05],
                          hospitals: [{ name: 市第一人民医院, dailyCapacity: 9 }, { name: 中医附院, dailyCapacity: 4 }],
                          packages: [{ name: basic, ageBelow: 35 }, { name: extended }] }
                        """),
                name: "checkup-heat", queue: "checkup", on: pool)
            let (cells, full) = try await pool.query("""
                SELECT count(*), count(*) FILTER (WHERE booked >= capacity) FROM (
                    SELECT count(*) AS booked, max(daily_capacity) AS capacity FROM benefit.appointments
                    WHERE run_id = \(runID) GROUP BY hospital, appointment_date) d
                """).single((Int, Int).self)
            try #require(cells >= 2 && full >= 1, "the fixture must book several days and fill one")

            let viewer = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "viewer-heat")
            try await client.execute(uri: "/runs/\(runID)", method: .get, headers: viewer.headers) { response in
                let html = ConsoleFixtures.text(response)
                #expect(html.contains("Bookings per hospital per day in the cycle"))
                #expect(Self.occurrences(of: #"<rect class="cell"#, in: html) == cells)
                #expect(Self.occurrences(of: #"<rect class="cell full""#, in: html) == full)
                #expect(html.contains(">市第一人民医院</text>") && html.contains(">中医附院</text>"))
                #expect(html.contains("Mar 1") || html.contains("Mar 2"), "days labelled in the page's language")
            }
        }
    }

    @Test("an address with no page answers the console's 404 page in the reader's language; signing in and out is in the audit trail")
    func unknownAddressAndSignIns() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            let browser = try await ConsoleFixtures.signIn(client, pool: pool, role: .operator, name: "operator-in")
            try await client.execute(uri: "/no/such/page", method: .get, headers: [.cookie: browser.cookie]) { response in
                #expect(response.status == .notFound)
                let html = ConsoleFixtures.text(response)
                #expect(html.contains("这个地址没有页面：/no/such/page"))
                #expect(html.contains(#"<html lang="zh-CN">"#) && html.contains("operator-in"), "the page has the layout and the user")
            }
            try await client.execute(uri: "/no/such/page", method: .get, headers: browser.headers) { response in
                #expect(response.status == .notFound)
                #expect(ConsoleFixtures.text(response).contains("There is no page at /no/such/page"))
            }
            // Signed out, an unknown address still asks for a sign-in first.
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(
                uri: "/logout", method: .post,
                headers: [.cookie: browser.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .seeOther)
            }
            let recorded = try await pool.query("""
                SELECT action, os_user, details->>'client' FROM benefit.audit WHERE target = 'operator-in' AND action LIKE 'user.log%' ORDER BY audit_id
                """).decode((String, String, String?).self)
            #expect(recorded.map(\.0) == ["user.login", "user.logout"])
            #expect(recorded.allSatisfy { $0.1 == "operator-in (console)" })
            #expect(recorded.first?.2 != nil, "the sign-in names its client")
        }
    }
}
