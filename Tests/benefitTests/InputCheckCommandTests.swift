import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// What operators type and write that the tool must refuse in one clear line, or show without harm.
@Suite("Hostile input at the command line")
struct InputCheckCommandTests {
    /// A database no command in these tests may reach: they must fail while reading their options.
    static let unreachable = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"]

    /// Runs `body` on a fresh migrated database, with the environment that points `benefit` at it and a pool on it.
    static func withDatabase(_ body: (_ environment: [String: String], _ pool: PostgresPool) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            try await body(["DATABASE_URL": try TestDatabase.url(of: configuration)], pool)
        }
    }

    /// Runs `benefit ARGUMENTS` and expects it to refuse its arguments (a usage error:
    /// exit 64), its standard error starting with `message`.
    static func expectRefused(_ arguments: [String], environment: [String: String], startingWith message: String) async throws {
        let outcome = try await BenefitProcess.run(arguments, environment: environment)
        #expect(outcome.exitCode == 64, "\(arguments)")
        #expect(outcome.standardError.hasPrefix(message), "\(arguments): \(outcome.standardError)")
    }

    /// A drill campaign file with `extra` lines appended at the top level (line 7 on).
    static func drill(_ name: String, _ extra: String = "") -> String {
        "name: \(name)\nprogram: drill\nschedule:\n  timezone: Asia/Shanghai\n  cron: \"0 9 * * *\"\nparameters: { members: 5 }\n\(extra)"
    }

    @Test("a negative or malformed number for any numeric option is refused naming the option and its range", arguments: [
        (["campaign", "preview", "x", "--count", "-5"], "--count <count>", "from 1 to 1000"),
        (["campaign", "preview", "x", "--count", "ten"], "--count <count>", "from 1 to 1000"),
        (["jobs", "enqueue", "noop", "--count", "-5"], "--count <count>", "from 1 to 10000000"),
        (["jobs", "enqueue", "noop", "--priority", "-40000"], "--priority <priority>", "from -32768 to 32767"),
        (["jobs", "enqueue", "noop", "--max-attempts", "-1"], "--max-attempts <max-attempts>", "from 1 to 1000"),
        (["jobs", "enqueue", "noop", "--lease", "-5s"], "--lease <duration>", "from 100ms to 1d"),
        (["jobs", "enqueue", "noop", "--timeout", "-5s"], "--timeout <duration>", "from 100ms to 1d"),
        (["jobs", "enqueue", "noop", "--timeout", "50ms"], "--timeout <duration>", "from 100ms to 1d"),
        (["jobs", "enqueue", "noop", "--timeout", "2d"], "--timeout <duration>", "from 100ms to 1d"),
        (["jobs", "dead", "--run", "-3"], "--run <run>", "of at least 1"),
        (["jobs", "dead", "--limit", "-3"], "--limit <limit>", "of at least 1"),
        (["jobs", "retry", "--run", "x"], "--run <run>", "of at least 1"),
        (["members", "generate", "--count", "-5"], "--count <count>", "from 0 to 50000000"),
        (["members", "generate", "--count", "5", "--seed", "-1"], "--seed <seed>", "from 0 to 18446744073709551615"),
        (["runs", "list", "--limit", "-1"], "--limit <limit>", "of at least 1"),
        (["runs", "watch", "1", "--every", "-1s"], "--every <duration>", "from 50ms to 1h"),
        (["worker", "--concurrency", "-1"], "--concurrency <concurrency>", "from 1 to 1000"),
        (["worker", "--grace-period", "-1s"], "--grace-period <duration>", "from 0ms to 1d"),
        (["worker", "--poll-interval", "0s"], "--poll-interval <duration>", "from 1ms to 1h"),
        (["scheduler", "--tick", "-1s"], "--tick <duration>", "from 10ms to 1h"),
        (["scheduler", "--leader-lease", "-1s"], "--leader-lease <duration>", "from 20ms to 1d"),
        (["demo", "--members", "-1"], "--members <members>", "from 1 to 10000000"),
        (["demo", "--seed", "-1"], "--seed <seed>", "from 0 to 18446744073709551615"),
        (["demo", "--concurrency", "-1"], "--concurrency <concurrency>", "from 1 to 100"),
        (["demo", "--workers", "-1"], "--workers <workers>", "from 1 to 16"),
        (["bench", "client", "--inserts", "-1"], "--inserts <inserts>", "from 1 to 10000000"),
        (["bench", "client", "--copy-rows", "-1"], "--copy-rows <copy-rows>", "from 1 to 100000000"),
        (["bench", "queue", "--jobs", "-1"], "--jobs <jobs>", "from 1 to 10000000"),
        (["bench", "queue", "--concurrency", "-1"], "--concurrency <concurrency>", "from 1 to 1000"),
        (["bench", "queue", "--latency-samples", "-1"], "--latency-samples <latency-samples>", "from 1 to 100000"),
        (["bench", "queue", "--workers", "99"], "--workers <workers>", "from 1 to 16"),
        (["bench", "campaign", "--members", "-1"], "--members <members>", "from 1 to 10000000"),
        (["bench", "prune", "--jobs", "10"], "--jobs <jobs>", "from 1000 to 10000000"),
        (["bench", "prune", "--claim-rounds", "0"], "--claim-rounds <claim-rounds>", "from 10 to 1000"),
        (["bench", "campaign", "--concurrency", "-1"], "--concurrency <concurrency>", "from 1 to 100"),
        (["bench", "campaign", "--batch-size", "-1"], "--batch-size <batch-size>", "from 1 to 100000"),
    ])
    func numericOptionsNameTheirRange(arguments: [String], option: String, range: String) async throws {
        let outcome = try await BenefitProcess.run(arguments, environment: Self.unreachable)
        #expect(outcome.exitCode == 64)
        let first = outcome.standardError.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("Error: The value '\(arguments.last!)' is invalid for '\(option)': "), "\(first)")
        #expect(first.contains(range), "\(first)")
    }

    @Test("a malformed --metrics-address is refused in one line, exit 64, before any database is touched", arguments: [
        (["worker", "--metrics-address", "9464"], "expected HOST:PORT"),
        (["worker", "--metrics-address", "127.0.0.1:70000"], "the port must be a whole number from 1 to 65535"),
        (["worker", "--metrics-address", "http://127.0.0.1:9464"], "give HOST:PORT without a scheme or path"),
        (["scheduler", "--metrics-address", ":9464"], "the host is missing"),
        (["scheduler", "--metrics-address", "::1:9464"], "an IPv6 host is written in brackets"),
    ])
    func malformedMetricsAddressIsRefused(arguments: [String], problem: String) async throws {
        let outcome = try await BenefitProcess.run(arguments, environment: Self.unreachable)
        #expect(outcome.exitCode == 64)
        let first = outcome.standardError.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("Error: The value '\(arguments.last!)' is invalid for '--metrics-address <host:port>': \(problem)"), "\(first)")
    }

    @Test("a worker's or scheduler's name longer than 200 characters is refused naming the limit")
    func namesHaveALimit() async throws {
        for command in ["worker", "scheduler"] {
            try await Self.expectRefused(
                [command, "--name", String(repeating: "n", count: 201)], environment: Self.unreachable,
                startingWith: "Error: --name: 201 characters, more than the 200 allowed\n")
        }
    }

    @Test("campaign files too large, holding NUL, a repeated key, a past instant or a huge number: one line each, nothing applied")
    func campaignFileRefusals() async throws {
        try await Self.withDatabase { environment, pool in
            let huge = try TemporaryFiles.write(Self.drill("huge", "title: " + String(repeating: "長", count: 1 << 20)), named: "huge.yaml")
            let folder = try TemporaryFiles.folder(named: "folder.yaml")
            let nul = try TemporaryFiles.write(Self.drill("nul", #"title: "a\0b""#), named: "nul.yaml")
            let repeated = try TemporaryFiles.write(Self.drill("repeated", "name: again"), named: "repeated.yaml")
            let past = try TemporaryFiles.write(Self.drill("past").replacing(#"cron: "0 9 * * *""#, with: "at: 2001-01-01T09:00:00+08:00"), named: "past.yaml")
            let number = try TemporaryFiles.write(Self.drill("number").replacing("members: 5", with: "members: 1e300"), named: "number.yaml")
            let long = try TemporaryFiles.write(Self.drill("long", "title: " + String(repeating: "x", count: 201)), named: "long.yaml")

            let outcome = try await BenefitProcess.run(
                ["campaign", "apply", huge, folder, nul, repeated, past, number, long], environment: environment)
            #expect(outcome.exitCode == 1)
            let lines = outcome.standardError.split(separator: "\n").map(String.init)
            #expect(lines.count == 8, "\(outcome.standardError)")
            for line in [
                "\(huge): cannot read: larger than 1 MiB (1048576 bytes), the most a campaign file may be",
                "\(folder): cannot read: is a directory",
                "\(nul):7: title: contains U+0000 (NUL), which PostgreSQL cannot store in text",
                "\(repeated):7: name: key appears more than once in this mapping (first at line 1)",
                "\(number):6: parameters.members: 1e300 is out of range: members must be from 0 to 10000000",
                "\(long):7: title: 201 characters, more than the 200 allowed",
                "Error: 7 problems found; nothing was applied",
            ] {
                #expect(lines.contains(line), "missing \(line) in:\n\(outcome.standardError)")
            }
            #expect(lines.contains { $0.hasPrefix("\(past):5: schedule.at: 2001-01-01T09:00:00+08:00 has already passed (it is now ") })
            #expect(try await pool.query("SELECT count(*) FROM benefit.campaign").single(Int.self) == 0)
        }
    }

    @Test("a campaign file's execution.timeout out of range is one line naming the file, line and field; nothing applied")
    func campaignTimeoutRefused() async throws {
        try await Self.withDatabase { environment, pool in
            let file = try TemporaryFiles.write(Self.drill("slow", "execution:\n  timeout: 0s"), named: "slow.yaml")
            let outcome = try await BenefitProcess.run(["campaign", "apply", file], environment: environment)
            #expect(outcome.exitCode == 1)
            let lines = outcome.standardError.split(separator: "\n").map(String.init)
            #expect(lines.first == "\(file):8: execution.timeout: 0s is out of range: a batch's timeout must be from 1s to 1d",
                    "\(outcome.standardError)")
            #expect(lines.count == 2, "\(outcome.standardError)")
            #expect(try await pool.query("SELECT count(*) FROM benefit.campaign").single(Int.self) == 0)
        }
    }

    @Test("jobs enqueue refuses a payload jsonb cannot store or a handler cannot read, naming --payload and the field; nothing is enqueued")
    func payloadRefusals() async throws {
        try await Self.withDatabase { environment, pool in
            for (payload, message) in [
                (#"{"note": "a\u0000b"}"#, "--payload: note: contains U+0000 (NUL), which PostgreSQL cannot store in text"),
                (#"{"ms": 1e30}"#, "--payload: ms: 1e30 is out of range: numbers in a payload must be from -9223372036854775808 to 9223372036854775807"),
            ] {
                try await Self.expectRefused(
                    ["jobs", "enqueue", "sleep", "--payload", payload], environment: environment, startingWith: "Error: \(message)\n")
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 0)
        }
    }

    @Test("a pause reason longer than 500 characters is refused naming the limit; the campaign stays active")
    func pauseReasonLimit() async throws {
        try await Self.withDatabase { environment, pool in
            let file = try TemporaryFiles.write(Self.drill("paused"), named: "paused.yaml")
            #expect(try await BenefitProcess.run(["campaign", "apply", file], environment: environment).exitCode == 0)
            for (reason, message) in [(String(repeating: "r", count: 501), "501 characters, more than the 500 allowed"), ("  ", "empty")] {
                try await Self.expectRefused(
                    ["campaign", "pause", "paused", "--reason", reason], environment: environment, startingWith: "Error: --reason: \(message)")
            }
            #expect(try await pool.query("SELECT paused FROM benefit.campaign").single(Bool.self) == false)
        }
    }

    @Test("a folder given as a file is named as such: campaign apply, members import, a migration in --migrations-dir")
    func foldersAreNamed() async throws {
        try await TestDatabase.withFresh(migrated: false) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let folder = try TemporaryFiles.folder(named: "given")
            let migrations = try TemporaryFiles.folder(named: "migrations")
            try FileManager.default.createDirectory(atPath: migrations + "/0001_tables.sql", withIntermediateDirectories: false)
            for (arguments, message) in [
                (["campaign", "apply", folder], "\(folder): cannot read: is a directory"),
                (["members", "import", folder], "Error: \(folder): cannot read: is a directory; nothing was imported"),
                (["db", "status", "--migrations-dir", migrations], "Error: cannot read migration \(migrations)/0001_tables.sql: is a directory"),
            ] {
                let outcome = try await BenefitProcess.run(arguments, environment: environment)
                #expect(outcome.exitCode == 1)
                #expect(outcome.standardError.split(separator: "\n").first.map(String.init) == message, "\(outcome.standardError)")
            }
        }
    }

    @Test("text from files and the database prints with its control characters escaped and its Chinese as it is")
    func controlCharactersEscaped() async throws {
        try await Self.withDatabase { environment, pool in
            let file = try TemporaryFiles.write(Self.drill("escapes", #"title: "\e[31m冬送温暖\e[0m\u202E""#), named: "escapes.yaml")
            #expect(try await BenefitProcess.run(["campaign", "apply", file], environment: environment).exitCode == 0)
            let pause = try await BenefitProcess.run(["campaign", "pause", "escapes", "--reason", "budget \u{1B}]0;owned\u{7} 暂停"], environment: environment)
            #expect(pause.exitCode == 0, "\(pause.standardError)")
            let trigger = try await BenefitProcess.run(["campaign", "trigger", "escapes"], environment: environment)
            let runID = try #require(trigger.standardOutput.split(separator: " ").dropFirst().first.flatMap { Int($0) })
            let group = "run:\(runID)"
            let lastError = "boom \u{1B}[2J \u{9B}31m错误"
            try await pool.query("""
                INSERT INTO benefit.job (kind, state, attempt, finished_at, group_key, last_error)
                VALUES ('noop', 'dead', 1, now(), \(group), \(lastError))
                """)

            let title = #"\u{1B}[31m冬送温暖\u{1B}[0m\u{202E}"#
            for (arguments, shown) in [
                (["campaign", "list"], [title]),
                (["campaign", "show", "escapes"], [title, #"PAUSED: budget \u{1B}]0;owned\u{7} 暂停"#]),
                (["runs", "show", String(runID)], [#"boom \u{1B}[2J \u{9B}31m错误"#]),
                (["jobs", "dead"], [#"boom \u{1B}[2J \u{9B}31m错误"#]),
            ] {
                let outcome = try await BenefitProcess.run(arguments, environment: environment)
                #expect(outcome.exitCode == 0, "\(arguments): \(outcome.standardError)")
                #expect(!outcome.standardOutput.unicodeScalars.contains { ["\u{1B}", "\u{7}", "\u{9B}", "\u{202E}"].contains($0) },
                        "\(arguments) printed a raw control character")
                for text in shown {
                    #expect(outcome.standardOutput.contains(text), "\(arguments): missing \(text) in:\n\(outcome.standardOutput)")
                }
            }
        }
    }
}
