@testable import BenefitAccounts
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

/// The console's routes through HTTP (Hummingbird's test client), on a real database.
@Suite("Console routes")
struct ConsoleRouteTests {
    @Test("/healthz answers ok; static files are served, unknown ones are not; every answer forbids scripts from elsewhere")
    func healthAndStatic() async throws {
        try await ConsoleFixtures.withConsole { client, _, _ in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(ConsoleFixtures.text(response) == "ok\n")
            }
            try await client.execute(uri: "/static/console.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
                #expect(ConsoleFixtures.text(response).contains("progress"))
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            }
            try await client.execute(uri: "/static/other.js", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("the overview in Chinese by default, English when the browser asks; processes, queues, warnings and a run in progress")
    func overview() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            _ = try await pool.query("""
                SELECT * FROM benefit.register_process('worker', 'host-a-1<script>', 'host-a', 41, '0.11.0', ARRAY['runs'], 8, interval '1 hour')
                """)
            try await JobQueue(pool: pool).enqueueBulk((0..<3).map { _ in NewJob(kind: "noop", queue: "orphan") })
            try await ConsoleFixtures.applyDrill("winter-drill", on: pool)
            let runID = try #require(try await CampaignStore.trigger("winter-drill", at: Date(), by: "test@host", on: pool))

            let browser = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "wang")
            try await client.execute(uri: "/", method: .get, headers: [.cookie: browser.cookie]) { response in
                #expect(response.status == .ok)
                let html = ConsoleFixtures.text(response)
                #expect(html.contains(#"<html lang="zh-CN">"#))
                #expect(html.contains("wang · 查看者"))
                #expect(html.contains("进程") && html.contains("工作进程") && html.contains("host-a-1"))
                #expect(html.contains("没有主调度器"))
                #expect(html.contains("队列 orphan 有 3 个待处理任务"))
                #expect(html.contains(#"data-run="\#(runID)""#))
                #expect(html.contains("等待工作进程规划"))
                // Today's run in the runs-per-day chart (SVG drawn on the server); no money yet.
                #expect(html.contains("<svg viewBox=\"0 0 640 260\""))
                #expect(html.contains(": 1</title></rect>"))
                #expect(html.contains("各活动每期发放金额: 暂无记录"))
                // A name from the database is text, never markup.
                #expect(html.contains("host-a-1&lt;script&gt;"))
                #expect(!html.contains("host-a-1<script>"))
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: browser.cookie, .acceptLanguage: "en-GB,en;q=0.9,zh;q=0.5"]) { response in
                let html = ConsoleFixtures.text(response)
                #expect(html.contains(#"<html lang="en">"#))
                #expect(html.contains("Processes") && html.contains("waiting for a worker to plan it"))
                #expect(html.contains("queue orphan has 3 jobs due and no running worker claims from it"))
            }
        }
    }

    @Test("the overview marks a paused queue with who, since when and why instead of warning that nobody claims it, and shows a held run as held")
    func overviewPausedAndHeld() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            try await JobQueue(pool: pool).enqueueBulk((0..<3).map { _ in NewJob(kind: "noop", queue: "orphan") })
            #expect(try await JobQueue(pool: pool).pause(queue: "orphan", reason: "<b>bank</b> file", by: "ops@console"))
            try await ConsoleFixtures.applyDrill("held-drill", on: pool)
            let runID = try #require(try await CampaignStore.trigger("held-drill", at: Date(), by: "test@host", on: pool))
            #expect(try await CampaignStore.pause("held-drill", reason: "recount", holdRuns: true, by: "test@host", on: pool)?.heldRuns == [runID])

            let browser = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "qian")
            try await client.execute(uri: "/", method: .get, headers: browser.headers) { response in
                let html = ConsoleFixtures.text(response)
                #expect(html.contains(#"<tr class="paused"><td>orphan</td>"#), "\(html)")
                #expect(html.contains("<strong>Paused</strong>") && html.contains("ops@console: &lt;b&gt;bank&lt;/b&gt; file"))
                #expect(!html.contains("queue orphan has 3 jobs due"))
                #expect(html.contains(#"data-run="\#(runID)""#) && html.contains("held (campaign paused)"))
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: browser.cookie]) { response in
                let html = ConsoleFixtures.text(response)
                #expect(html.contains("<strong>已暂停</strong>") && html.contains("暂缓（活动已暂停）"))
            }
        }
    }

    @Test("the language switch sets a cookie and goes back, only to a path of the console")
    func languageSwitch() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            let browser = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "li")
            try await client.execute(uri: "/language/en?back=/runs", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/runs")
                let cookie = try #require(response.headers[.setCookie])
                #expect(cookie.contains("lang=en") && cookie.contains("SameSite=Strict"))
            }
            try await client.execute(uri: "/language/zh?back=//evil.example/", method: .get) { response in
                #expect(response.headers[.location] == "/")
            }
            try await client.execute(uri: "/language/fr", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: "lang=en; " + browser.cookie, .acceptLanguage: "zh-CN"]) { response in
                #expect(ConsoleFixtures.text(response).contains(#"<html lang="en">"#))
            }
        }
    }

    @Test("the overview's stream sends each run's progress as its card shows it")
    func overviewStream() async throws {
        try await ConsoleFixtures.withConsole { client, console, pool in
            try await ConsoleFixtures.applyDrill("stream-drill", on: pool)
            let runID = try #require(try await CampaignStore.trigger("stream-drill", at: Date(), by: "test@host", on: pool))
            let browser = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "zhao")
            // A stopping console sends one event and ends the stream.
            console.beginShutdown()
            try await client.execute(uri: "/events/overview", method: .get, headers: browser.headers) { response in
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                let text = ConsoleFixtures.text(response)
                #expect(text.hasPrefix("event: runs\ndata: {"))
                let data = try #require(text.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
                let runs = try #require(object["runs"] as? [[String: Any]])
                #expect(runs.map { $0["id"] as? Int } == [runID])
                #expect(runs.first?["percent"] as? Int == 0)
            }
        }
    }

    @Test("every page but the open ones asks to sign in; a wrong password, a forged form and a foreign origin are refused")
    func signInIsRequired() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/login?back=") == true)
            }
            try await client.execute(uri: "/events/overview", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            ConsolePassword.cost.withLock { $0 = 4 }
            try await ConsoleUsers.add(name: "chen", role: .operator, password: "correct horse battery", by: "test@host", on: pool)
            // The login form's token must match its cookie.
            try await client.execute(
                uri: "/login", method: .post, headers: [.cookie: "benefit_login=aaa", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=bbb&name=chen&password=correct+horse+battery")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.setCookie]?.contains("benefit_session") != true)
            }
            try await client.execute(
                uri: "/login", method: .post, headers: [.cookie: "benefit_login=aaa", .contentType: "application/x-www-form-urlencoded", .acceptLanguage: "en"],
                body: ByteBuffer(string: "token=aaa&name=chen&password=wrong+password+here")
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(ConsoleFixtures.text(response).contains("Wrong user name or password"))
            }
            try await client.execute(
                uri: "/login", method: .post,
                headers: [.cookie: "benefit_login=aaa", .contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"],
                body: ByteBuffer(string: "token=aaa&name=chen&password=correct+horse+battery")
            ) { response in
                #expect(response.status == .forbidden)
            }
            let browser = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "sun")
            // Signing out needs the session's token; then the session is gone.
            try await client.execute(uri: "/logout", method: .post, headers: [.cookie: browser.cookie, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=wrong")) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/logout", method: .post, headers: [.cookie: browser.cookie, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=\(browser.csrf)")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: browser.cookie]) { response in
                #expect(response.status == .seeOther)
            }
        }
    }

    @Test("an operator pauses, resumes and triggers a campaign from the console, each in the audit trail under the console user; a viewer is refused with 403; a form without the token too")
    func actions() async throws {
        try await ConsoleFixtures.withConsole { client, _, pool in
            try await ConsoleFixtures.applyDrill("act-drill", on: pool)
            let viewer = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "zhou")
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            var headers = form
            headers[.cookie] = viewer.cookie
            try await client.execute(uri: "/campaigns/act-drill/pause", method: .post, headers: headers,
                                     body: ByteBuffer(string: "csrf=\(viewer.csrf)&reason=budget+review")) { response in
                #expect(response.status == .forbidden)
            }
            let operatorBrowser = try await ConsoleFixtures.signIn(client, pool: pool, role: .operator, name: "wu")
            headers[.cookie] = operatorBrowser.cookie
            try await client.execute(uri: "/campaigns/act-drill/pause", method: .post, headers: headers,
                                     body: ByteBuffer(string: "reason=budget+review")) { response in
                #expect(response.status == .forbidden, "no token")
            }
            try await client.execute(uri: "/campaigns/act-drill/pause", method: .post, headers: headers,
                                     body: ByteBuffer(string: "csrf=\(operatorBrowser.csrf)&reason=")) { response in
                #expect(response.status == .badRequest, "a pause needs a reason")
            }
            #expect(try await pool.query("SELECT paused FROM benefit.campaign").single(Bool.self) == false)
            try await client.execute(uri: "/campaigns/act-drill/pause", method: .post, headers: headers,
                                     body: ByteBuffer(string: "csrf=\(operatorBrowser.csrf)&reason=budget+review")) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await pool.query("SELECT paused FROM benefit.campaign").single(Bool.self))
            try await client.execute(uri: "/campaigns/act-drill/resume", method: .post, headers: headers,
                                     body: ByteBuffer(string: "csrf=\(operatorBrowser.csrf)")) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/campaigns/act-drill/trigger", method: .post, headers: headers,
                                     body: ByteBuffer(string: "csrf=\(operatorBrowser.csrf)&reason=drill+day")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/runs/") == true)
            }
            let audit = try await pool.query("""
                SELECT action, os_user, coalesce(reason, '') FROM benefit.audit WHERE action LIKE 'campaign.%' AND action <> 'campaign.apply' ORDER BY audit_id
                """).decode((String, String, String).self)
            #expect(audit.map(\.0) == ["campaign.pause", "campaign.resume", "campaign.trigger"])
            #expect(audit.allSatisfy { $0.1 == "wu (console)" })
            #expect(audit.first?.2 == "budget review")
        }
    }
}
