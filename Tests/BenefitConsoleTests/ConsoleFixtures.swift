@testable import BenefitAccounts
import BenefitConsole
import BenefitQueue
import BenefitScheduler
import BenefitWorkers
import BenefitTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

/// A console on a fresh database, and browsers signed in to it, for the console's tests.
enum ConsoleFixtures {
    /// Runs `body` with a console on a fresh database, and the owner's pool.
    static func withConsole(
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

    /// Applies a three-member fire drill on queue `runs`, as `test@host`.
    static func applyDrill(_ name: String, on pool: PostgresPool) async throws {
        let source = try CampaignStore.Source(
            parsing: CampaignText.yaml(name: name, program: "drill", queue: "runs", parameters: "{ members: 3 }"),
            fileName: "drill.yaml", validators: BenefitPrograms.catalog.validators)
        _ = try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
    }

    /// Applies a campaign file, triggers it now and runs it to its end with an
    /// in-process worker on `queue`; returns the run's id.
    static func runToEnd(_ yaml: String, name: String, queue: String = "runs", on pool: PostgresPool) async throws -> Int {
        let source = try CampaignStore.Source(parsing: yaml, fileName: "\(name).yaml", validators: BenefitPrograms.catalog.validators)
        _ = try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
        let runID = try #require(try await CampaignStore.trigger(name, at: Date(), by: "test@host", on: pool))
        let worker = Worker(
            pool: pool, registry: BenefitPrograms.registry(), configuration: .forTests(queues: [queue], name: "console-\(name)"),
            logger: TestDatabase.quietLogger)
        let finisher = RunFinisher(pool: pool, logger: TestDatabase.quietLogger)
        let ended = try await withWorker(worker) {
            try await eventually(timeout: .seconds(60)) {
                _ = try? await finisher.finish()
                return try await RunHistory.find(runID, on: pool)?.state == .succeeded
            }
        }
        try #require(ended)
        return runID
    }

    static func text(_ response: TestResponse) -> String {
        String(buffer: response.body)
    }

    /// A signed-in browser: its Cookie header and the CSRF token its pages carry.
    struct Browser {
        let cookie: String
        let csrf: String
        var headers: HTTPFields { [.cookie: cookie, .acceptLanguage: "en"] }
    }

    /// A value after `marker` up to the next `end` in `text`.
    static func value(after marker: String, in text: String, end: String = "\"") -> String? {
        guard let start = text.range(of: marker) else { return nil }
        return text[start.upperBound...].split(separator: Character(end), maxSplits: 1).first.map(String.init)
    }

    /// Adds a console user of `role` and signs in through the login form, as a browser does.
    static func signIn(_ client: any TestClientProtocol, pool: PostgresPool, role: ConsoleRole, name: String) async throws -> Browser {
        ConsolePassword.cost.withLock { $0 = 4 }
        try await ConsoleUsers.add(name: name, role: role, password: "correct horse battery", by: "test@host", on: pool)
        let formCookie = try await client.execute(uri: "/login", method: .get) { response in
            try #require(Self.value(after: "benefit_login=", in: response.headers[.setCookie] ?? "", end: ";"))
        }
        let session = try await client.execute(
            uri: "/login", method: .post,
            headers: [.cookie: "benefit_login=\(formCookie)", .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(formCookie)&name=\(name)&password=correct+horse+battery&back=%2F")
        ) { response in
            #expect(response.status == .seeOther)
            return try #require(Self.value(after: "benefit_session=", in: response.headers[.setCookie] ?? "", end: ";"))
        }
        let cookie = "benefit_session=\(session)"
        let csrf = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response in
            try #require(Self.value(after: #"name="csrf" value=""#, in: Self.text(response)))
        }
        return Browser(cookie: cookie, csrf: csrf)
    }

}
