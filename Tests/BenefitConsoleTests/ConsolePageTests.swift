import BenefitAudit
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

/// The console's read-only pages through HTTP, on a real database: campaigns,
/// runs, jobs and the audit trail, in both languages, with text from the
/// database escaped and unknown names answered 404.
@Suite("Console pages")
struct ConsolePageTests {
    /// A console on a fresh database, every page read by a signed-in viewer.
    private static func withConsole(
        _ body: @escaping @Sendable (any TestClientProtocol, Console, PostgresPool) async throws -> Void
    ) async throws {
        try await ConsoleFixtures.withConsole { client, console, pool in
            let browser = try await ConsoleFixtures.signIn(client, pool: pool, role: .viewer, name: "page-reader")
            try await $cookie.withValue(browser.cookie) { try await body(client, console, pool) }
        }
    }

    /// The signed-in viewer's Cookie header, for the test under way.
    @TaskLocal static var cookie = ""

    private static func get(
        _ client: any TestClientProtocol, _ uri: String, english: Bool = false
    ) async throws -> (status: HTTPResponse.Status, html: String, location: String?) {
        let headers: HTTPFields = english ? [.acceptLanguage: "en", .cookie: cookie] : [.cookie: cookie]
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status, String(buffer: response.body), response.headers[.location])
        }
    }

    /// Applies campaign files (YAML) as `test@host`.
    private static func apply(_ texts: [String], on pool: PostgresPool) async throws {
        let sources = try texts.map {
            try CampaignStore.Source(parsing: $0, fileName: "test.yaml", validators: BenefitPrograms.catalog.validators)
        }
        _ = try await CampaignStore.apply(sources, dryRun: false, by: "test@host", on: pool)
    }

    private static func lunarCampaign(name: String, title: String) -> String {
        """
        name: \(name)
        title: "\(title)"
        program: drill
        schedule:
          timezone: Asia/Shanghai
          lunar: "01-01 09:00"
        execution:
          queue: runs
        parameters: { members: 3 }
        """
    }

    /// An error whose text is markup, to see that pages print it as text.
    private struct MarkupError: Error, CustomStringConvertible {
        var description: String { "<b>boom</b> at batch 3" }
    }

    /// A run with two jobs of its own beside its planning job: one that died on its
    /// only attempt and one whose attempt failed and waits to be retried.
    private static func runWithFailures(_ name: String, on pool: PostgresPool) async throws -> (run: Int, dead: Int, retried: Int) {
        try await apply([CampaignText.yaml(name: name, program: "drill", parameters: "{ members: 3 }")], on: pool)
        let runID = try #require(try await CampaignStore.trigger(name, at: Date(), by: "test@host", on: pool))
        let queue = JobQueue(pool: pool)
        let group = "run:\(runID)"
        let dead = try await queue.enqueue(NewJob(kind: "probe", queue: "console-dead", maxAttempts: 1, group: group)).id
        let retried = try await queue.enqueue(NewJob(kind: "probe", queue: "console-retry", maxAttempts: 3, group: group)).id
        for name in ["console-dead", "console-retry"] {
            let claimed = try await queue.claim(queues: [name], limit: 1, worker: WorkerIdentity(name: "worker-7"))
            _ = try await queue.fail(try #require(claimed.first), .retryable, error: MarkupError())
        }
        return (runID, dead, retried)
    }

    @Test("/campaigns lists each campaign with its schedule in words, next fire time in its zone with the lunar day, and paused with the reason")
    func campaignList() async throws {
        try await Self.withConsole { client, _, pool in
            try await Self.apply(
                [
                    CampaignText.yaml(name: "monthly-drill", program: "drill", cron: "0 9 1 * *", timezone: "Asia/Shanghai", parameters: "{ members: 3 }"),
                    Self.lunarCampaign(name: "spring-drill", title: "<b>春节</b> 慰问"),
                ], on: pool)
            #expect(try await CampaignStore.pause("monthly-drill", reason: "budget <under review>", by: "test@host", on: pool) != nil)

            let zh = try await Self.get(client, "/campaigns")
            #expect(zh.status == .ok)
            #expect(zh.html.contains(#"<a href="/campaigns/monthly-drill">monthly-drill</a>"#))
            #expect(zh.html.contains(#"<a href="/campaigns/spring-drill">spring-drill</a>"#))
            #expect(zh.html.contains("每月1日 09:00") && zh.html.contains("每年农历正月初一 09:00"))
            #expect(zh.html.contains("农历正月初一</small>"), "the next fire time of a lunar schedule says its lunar day")
            #expect(zh.html.contains("已暂停") && zh.html.contains("budget &lt;under review&gt;"))
            #expect(zh.html.contains("&lt;b&gt;春节&lt;/b&gt; 慰问") && !zh.html.contains("<b>春节</b>"))
            // Spring Festival 2027 and 2028 at 09:00 Shanghai: the next is one of them, in that zone.
            #expect(zh.html.contains("2027年2月6日 09:00") || zh.html.contains("2028年1月26日 09:00"))

            let en = try await Self.get(client, "/campaigns", english: true)
            #expect(en.html.contains("monthly on day 1 at 09:00") && en.html.contains("yearly on lunar month 1, day 1 at 09:00"))
            #expect(en.html.contains("Paused") && en.html.contains("Active") && en.html.contains("Next fire time"))
        }
    }

    @Test("/campaigns/:name shows the stored definition, revisions with the latest one's changes marked, 10 fire times and the runs; an unknown name is a translated 404")
    func campaignDetail() async throws {
        try await Self.withConsole { client, _, pool in
            try await Self.apply([CampaignText.yaml(name: "winter-drill", program: "drill", parameters: "{ members: 3 }")], on: pool)
            try await Self.apply([CampaignText.yaml(name: "winter-drill", program: "drill", parameters: "{ members: 5 }")], on: pool)
            let runID = try #require(try await CampaignStore.trigger("winter-drill", at: Date(), by: "test@host", on: pool))

            let page = try await Self.get(client, "/campaigns/winter-drill")
            #expect(page.status == .ok)
            #expect(page.html.contains(#"<pre class="definition">"#) && page.html.contains("&quot;members&quot; : 5"))
            #expect(page.html.contains("test@host") && page.html.contains("test.yaml"))
            #expect(page.html.contains("修订 1 → 2"))
            #expect(page.html.contains(#"<span class="line removed">− parameters: { members: 3 }</span>"#))
            #expect(page.html.contains(#"<span class="line added">+ parameters: { members: 5 }</span>"#))
            #expect(page.html.contains(#"<span class="line kept">  program: drill</span>"#))
            let fireTimes = try #require(page.html.range(of: #"<ol class="fire-times">"#)).upperBound
            let list = String(page.html[fireTimes...]).components(separatedBy: "</ol>")[0]
            #expect(list.components(separatedBy: "<li>").count - 1 == 10)
            #expect(page.html.contains(#"<a href="/runs/\#(runID)">\#(runID)</a>"#) && page.html.contains("手动"))

            let missing = try await Self.get(client, "/campaigns/no-such%3Cx%3E")
            #expect(missing.status == .notFound)
            #expect(missing.html.contains("没有这个活动：no-such&lt;x&gt;"))
            let missingEnglish = try await Self.get(client, "/campaigns/nope", english: true)
            #expect(missingEnglish.status == .notFound && missingEnglish.html.contains("There is no campaign nope"))
        }
    }

    @Test("/runs lists runs newest first, filtered by campaign and by state, each linking to its page")
    func runList() async throws {
        try await Self.withConsole { client, _, pool in
            try await Self.apply(
                ["alpha-drill", "beta-drill"].map { CampaignText.yaml(name: $0, program: "drill", parameters: "{ members: 3 }") }, on: pool)
            let alpha = try #require(try await CampaignStore.trigger("alpha-drill", at: Date(), by: "test@host", on: pool))
            let beta = try #require(try await CampaignStore.trigger("beta-drill", at: Date().addingTimeInterval(1), by: "test@host", on: pool))

            let all = try await Self.get(client, "/runs")
            #expect(all.status == .ok)
            let alphaLink = #"<a href="/runs/\#(alpha)">\#(alpha)</a>"#
            let betaLink = #"<a href="/runs/\#(beta)">\#(beta)</a>"#
            let (alphaAt, betaAt) = (try #require(all.html.range(of: alphaLink)), try #require(all.html.range(of: betaLink)))
            #expect(betaAt.lowerBound < alphaAt.lowerBound, "newest first")
            #expect(all.html.contains(#"<option value="alpha-drill">alpha-drill</option>"#))

            let alphaOnly = try await Self.get(client, "/runs?campaign=alpha-drill")
            #expect(alphaOnly.html.contains(alphaLink) && !alphaOnly.html.contains(betaLink))
            #expect(alphaOnly.html.contains(#"<option value="alpha-drill" selected>"#))
            let pending = try await Self.get(client, "/runs?state=pending")
            #expect(pending.html.contains(alphaLink) && pending.html.contains(betaLink))
            let succeeded = try await Self.get(client, "/runs?state=succeeded", english: true)
            #expect(succeeded.html.contains("No runs") && !succeeded.html.contains(alphaLink))
        }
    }

    @Test("/runs/:id shows the run, its live progress bar, its dead jobs with their errors and its attempts with retries and deaths marked; its stream sends the bar")
    func runDetail() async throws {
        try await Self.withConsole { client, console, pool in
            let (runID, dead, retried) = try await Self.runWithFailures("failing-drill", on: pool)

            let page = try await Self.get(client, "/runs/\(runID)")
            #expect(page.status == .ok)
            #expect(page.html.contains(#"data-run="\#(runID)""#) && page.html.contains(#"data-live="/events/runs/\#(runID)""#))
            #expect(page.html.contains("failing-drill") && page.html.contains("等待中") && page.html.contains("¥0.00"))
            // The dead job, with its error as text.
            #expect(page.html.contains(#"<td><a href="/jobs/\#(dead)">\#(dead)</a></td><td>probe</td>"#))
            #expect(page.html.contains("&lt;b&gt;boom&lt;/b&gt; at batch 3") && !page.html.contains("<b>boom</b>"))
            // Both attempts, marked.
            #expect(page.html.contains(#"<tr class="outcome-retry flagged"><td><a href="/jobs/\#(retried)">"#))
            #expect(page.html.contains(#"<tr class="outcome-dead flagged"><td><a href="/jobs/\#(dead)">"#))
            #expect(page.html.contains("↻") && page.html.contains("失败，将重试") && page.html.contains("worker-7"))

            #expect(try await Self.get(client, "/runs/999999").status == .notFound)
            let notNumber = try await Self.get(client, "/runs/abc", english: true)
            #expect(notNumber.status == .notFound && notNumber.html.contains("There is no run abc"))

            #expect(try await Self.get(client, "/events/runs/999999").status == .notFound)
            console.beginShutdown()
            try await client.execute(uri: "/events/runs/\(runID)", method: .get, headers: [.cookie: Self.cookie]) { response in
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                let text = String(buffer: response.body)
                let data = try #require(text.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
                let runs = try #require(object["runs"] as? [[String: Any]])
                #expect(runs.map { $0["id"] as? Int } == [runID])
                #expect(runs.first?["percent"] as? Int == 0)
            }
        }
    }

    @Test("/jobs lists dead jobs with run and campaign; the look-up form leads to /jobs/:id, which shows the job and its attempts")
    func jobs() async throws {
        try await Self.withConsole { client, _, pool in
            let (runID, dead, retried) = try await Self.runWithFailures("jobs-drill", on: pool)

            let list = try await Self.get(client, "/jobs")
            #expect(list.status == .ok)
            #expect(list.html.contains(#"<a href="/jobs/\#(dead)">\#(dead)</a>"#) && !list.html.contains(#"<a href="/jobs/\#(retried)">"#))
            #expect(list.html.contains(#"<a href="/runs/\#(runID)">\#(runID)</a>"#) && list.html.contains(#"<a href="/campaigns/jobs-drill">jobs-drill</a>"#))
            #expect(list.html.contains("&lt;b&gt;boom&lt;/b&gt; at batch 3"))

            let lookUp = try await Self.get(client, "/jobs?id=\(dead)")
            #expect(lookUp.status == .found && lookUp.location == "/jobs/\(dead)")
            let wrong = try await Self.get(client, "/jobs?id=12%3Cx")
            #expect(wrong.status == .badRequest && wrong.html.contains("不是任务编号：12&lt;x"))

            let job = try await Self.get(client, "/jobs/\(retried)", english: true)
            #expect(job.status == .ok)
            #expect(job.html.contains("console-retry") && job.html.contains("available") && job.html.contains("1 / 3"))
            #expect(job.html.contains(#"<a href="/runs/\#(runID)">\#(runID)</a>"#) && job.html.contains("failed, will retry"))
            #expect(try await Self.get(client, "/jobs/999999").status == .notFound)
        }
    }

    @Test("/audit lists recorded actions newest first, with reasons as text, filtered by action and target")
    func audit() async throws {
        try await Self.withConsole { client, _, pool in
            try await Self.apply([CampaignText.yaml(name: "audited-drill", program: "drill", parameters: "{ members: 3 }")], on: pool)
            #expect(try await CampaignStore.pause("audited-drill", reason: "<i>hold</i> for review", by: "ops@console", on: pool) != nil)

            let all = try await Self.get(client, "/audit")
            #expect(all.status == .ok)
            let (pause, apply) = (try #require(all.html.range(of: "campaign.pause</code></td>")), try #require(all.html.range(of: "campaign.apply</code></td>")))
            #expect(pause.lowerBound < apply.lowerBound, "newest first")
            #expect(all.html.contains("&lt;i&gt;hold&lt;/i&gt; for review") && all.html.contains("ops@console"))
            #expect(all.html.contains(#"<a href="/campaigns/audited-drill">audited-drill</a>"#))
            #expect(all.html.contains("revision=1"))

            #expect(all.html.contains("暂停活动 · <code>campaign.pause</code>"), "the action in words, and its code")
            let pauses = try await Self.get(client, "/audit?action=campaign.pause")
            #expect(pauses.html.contains("campaign.pause</code></td>") && !pauses.html.contains("campaign.apply</code></td>"))
            let other = try await Self.get(client, "/audit?target=other-drill", english: true)
            #expect(other.html.contains("No recorded actions") && other.html.contains(#"value="other-drill""#))
        }
    }
}
