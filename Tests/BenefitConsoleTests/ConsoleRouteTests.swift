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
    /// Runs `body` with a console on a fresh database, and the owner's pool.
    private static func withConsole(
        _ body: @escaping @Sendable (any TestClientProtocol, Console, PostgresPool) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            var settings = Console.Configuration()
            settings.eventInterval = .milliseconds(10)
            let console = try Console(pool: pool, configuration: settings, logger: TestDatabase.quietLogger)
            let application = Application(router: console.router())
            try await application.test(.router) { client in try await body(client, console, pool) }
        }
    }

    private static func text(_ response: TestResponse) -> String {
        String(buffer: response.body)
    }

    @Test("/healthz answers ok; static files are served, unknown ones are not; every answer forbids scripts from elsewhere")
    func healthAndStatic() async throws {
        try await Self.withConsole { client, _, _ in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Self.text(response) == "ok\n")
            }
            try await client.execute(uri: "/static/console.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
                #expect(Self.text(response).contains("progress"))
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            }
            try await client.execute(uri: "/static/other.js", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("the overview in Chinese by default, English when the browser asks; processes, queues, warnings and a run in progress")
    func overview() async throws {
        try await Self.withConsole { client, _, pool in
            _ = try await pool.query("""
                SELECT * FROM benefit.register_process('worker', 'host-a-1<script>', 'host-a', 41, '0.11.0', ARRAY['runs'], 8, interval '1 hour')
                """)
            try await JobQueue(pool: pool).enqueueBulk((0..<3).map { _ in NewJob(kind: "noop", queue: "orphan") })
            let source = try CampaignStore.Source(
                parsing: CampaignText.yaml(name: "winter-drill", program: "drill", queue: "runs", parameters: "{ members: 3 }"),
                fileName: "drill.yaml", validators: BenefitPrograms.catalog.validators)
            _ = try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
            let runID = try #require(try await CampaignStore.trigger("winter-drill", at: Date(), by: "test@host", on: pool))

            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let html = Self.text(response)
                #expect(html.contains(#"<html lang="zh-CN">"#))
                #expect(html.contains("进程") && html.contains("工作进程") && html.contains("host-a-1"))
                #expect(html.contains("没有主调度器"))
                #expect(html.contains("队列 orphan 有 3 个待处理任务"))
                #expect(html.contains(#"data-run="\#(runID)""#))
                #expect(html.contains("等待工作进程规划"))
                // A name from the database is text, never markup.
                #expect(html.contains("host-a-1&lt;script&gt;"))
                #expect(!html.contains("host-a-1<script>"))
            }
            try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en-GB,en;q=0.9,zh;q=0.5"]) { response in
                let html = Self.text(response)
                #expect(html.contains(#"<html lang="en">"#))
                #expect(html.contains("Processes") && html.contains("waiting for a worker to plan it"))
                #expect(html.contains("queue orphan has 3 jobs due and no running worker claims from it"))
            }
        }
    }

    @Test("the language switch sets a cookie and goes back, only to a path of the console")
    func languageSwitch() async throws {
        try await Self.withConsole { client, _, _ in
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
            try await client.execute(uri: "/", method: .get, headers: [.cookie: "lang=en", .acceptLanguage: "zh-CN"]) { response in
                #expect(Self.text(response).contains(#"<html lang="en">"#))
            }
        }
    }

    @Test("the overview's stream sends each run's progress as its card shows it")
    func overviewStream() async throws {
        try await Self.withConsole { client, console, pool in
            let source = try CampaignStore.Source(
                parsing: CampaignText.yaml(name: "stream-drill", program: "drill", queue: "runs", parameters: "{ members: 3 }"),
                fileName: "drill.yaml", validators: BenefitPrograms.catalog.validators)
            _ = try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
            let runID = try #require(try await CampaignStore.trigger("stream-drill", at: Date(), by: "test@host", on: pool))
            // A stopping console sends one event and ends the stream.
            console.beginShutdown()
            try await client.execute(uri: "/events/overview", method: .get, headers: [.acceptLanguage: "en"]) { response in
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                let text = Self.text(response)
                #expect(text.hasPrefix("event: runs\ndata: {"))
                let data = try #require(text.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
                let runs = try #require(object["runs"] as? [[String: Any]])
                #expect(runs.map { $0["id"] as? Int } == [runID])
                #expect(runs.first?["percent"] as? Int == 0)
            }
        }
    }
}
