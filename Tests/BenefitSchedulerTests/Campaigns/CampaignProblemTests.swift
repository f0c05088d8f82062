import BenefitScheduler
import Foundation
import Testing

@Suite("Campaign files: reporting every problem")
struct CampaignProblemTests {
    @Test("a file with ten different problems reports all ten, by line and path")
    func tenProblems() {
        let file = """
            name: Winter_Warmth
            program: seasonal-relief
            schedule:
              lunar: "13-16 09:00"
              catchUp: newest
            execution:
              batchsize: 500
              maxAttempts: big
              backoff: { initial: 10m, max: 10s }
              lease: 60
            cycle: weekly
            parameters:
              season: winter-warmth
              amounts: { "1": 2000, "4": 800 }
            """
        #expect(CampaignFixtures.problems(file) == [
            #"1: name: "Winter_Warmth" is not a valid name: use 1 to 63 lowercase letters, digits and hyphens, starting with a letter or digit"#,
            "3: schedule.timezone: required: an IANA time zone name such as Asia/Shanghai",
            "4: schedule.lunar: month 13 does not exist",
            #"5: schedule.catchUp: expected one of none, latest, all, got "newest""#,
            "7: execution.batchsize: unknown key (did you mean batchSize?)",
            #"8: execution.maxAttempts: expected attempts per job (a whole number), got "big""#,
            "9: execution.backoff: initial (10m) is longer than max (10s)",
            "10: execution.lease: expected a duration such as 10s, 5m or 1h, got 60 (add a unit: ms, s, m, h or d)",
            #"11: cycle: expected one of yearly, monthly, run, got "weekly""#,
            "14: parameters.amounts.4: tier 4 does not exist",
        ])
    }

    @Test("each problem prints as FILE:LINE: PATH: MESSAGE on one line")
    func problemDescription() throws {
        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFile.parse(
                text: CampaignFixtures.minimal("title: [a, b]\nfoo: 1"), fileName: "campaigns/winter.yaml", validators: CampaignFixtures.validators)
        }
        #expect(error?.description == """
            campaigns/winter.yaml:6: title: expected text, got a list
            campaigns/winter.yaml:7: foo: unknown key (known keys: name, title, program, schedule, execution, cycle, parameters)
            """)
        let multiLine = CampaignProblem(file: "f.yaml", line: 3, path: "", message: "a\nb")
        #expect(multiLine.description == "f.yaml:3: a b")
    }

    @Test("out-of-range execution values name their bounds", arguments: [
        ("batchSize: 0", "execution.batchSize: 0 is out of range: members per batch must be from 1 to 100000"),
        ("batchSize: 100001", "execution.batchSize: 100001 is out of range: members per batch must be from 1 to 100000"),
        ("batchSize: 12.5", "execution.batchSize: expected members per batch (a whole number), got 12.5"),
        ("maxAttempts: 1001", "execution.maxAttempts: 1001 is out of range: attempts per job must be from 1 to 1000"),
        ("priority: 40000", "execution.priority: 40000 is out of range: the jobs' priority must be from -32768 to 32767"),
        ("concurrency: 0", "execution.concurrency: 0 is out of range: running jobs at once must be from 1 to 2147483647"),
        ("lease: 500ms", "execution.lease: 500ms is out of range: the lease must be from 1s to 1d"),
        ("lease: soon", #"execution.lease: expected a duration such as 10s, 5m or 1h, got "soon""#),
        ("timeout: 0s", "execution.timeout: 0s is out of range: a batch's timeout must be from 1s to 1d"),
        ("timeout: 500ms", "execution.timeout: 500ms is out of range: a batch's timeout must be from 1s to 1d"),
        ("timeout: 25h", "execution.timeout: 25h is out of range: a batch's timeout must be from 1s to 1d"),
        ("timeout: 30", "execution.timeout: expected a duration such as 10s, 5m or 1h, got 30 (add a unit: ms, s, m, h or d)"),
        ("timeout: -5s", #"execution.timeout: expected a duration such as 10s, 5m or 1h, got "-5s""#),
        ("backoff: { initial: 2d }", "execution.backoff.initial: 2d is out of range: the first retry's delay must be from 0ms to 1d"),
        ("queue: Relief", #"execution.queue: "Relief" is not a valid queue name: use 1 to 63 lowercase letters, digits, hyphens, underscores and dots, starting with a letter or digit"#),
        ("batch_size: 5", "execution.batch_size: unknown key (did you mean batchSize?)"),
    ])
    func executionBounds(line: String, expected: String) {
        #expect(CampaignFixtures.problems(CampaignFixtures.minimal("execution:\n  \(line)")) == ["7: \(expected)"])
    }

    @Test("schedule problems", arguments: [
        (#"cron: "0 9 32 * *""#, "Asia/Shanghai", ["5: schedule.cron: field 3 (day of month) has 32"]),
        (#"cron: "0 25 * 13 *""#, "Asia/Shanghai", ["5: schedule.cron: field 2 (hour) has 25", "5: schedule.cron: field 4 (month) has 13"]),
        (#"cron: "0 9 31 4 *""#, "Asia/Shanghai", ["5: schedule.cron: no date ever matches, so the campaign would never fire"]),
        (#"lunar: "12-16""#, "Asia/Shanghai", [#"5: schedule.lunar: "12-16" is not of the form MM-DD HH:mm"#]),
        ("at: 2026-12-20T09:00:00", "Asia/Shanghai",
         [#"5: schedule.at: expected an instant with its UTC offset, such as 2026-12-20T09:00:00+08:00, got "2026-12-20T09:00:00" (the UTC offset is missing)"#]),
        ("at: 2026-12-20T25:00:00Z", "Asia/Shanghai",
         [#"5: schedule.at: expected an instant with its UTC offset, such as 2026-12-20T09:00:00+08:00, got "2026-12-20T25:00:00Z" (no such time of day)"#]),
        (#"cron: "0 9 * * MON""#, "Asia/Shangai", [#"4: schedule.timezone: unknown time zone "Asia/Shangai"; use an IANA name such as Asia/Shanghai or Europe/Berlin"#]),
        (#"cron: "0 9 * * MON""#, "asia/shanghai", [#"4: schedule.timezone: unknown time zone "asia/shanghai" (did you mean Asia/Shanghai?)"#]),
        (#"cron: "0 9 * * MON""#, "CST", [#"4: schedule.timezone: unknown time zone "CST"; use an IANA name such as Asia/Shanghai or Europe/Berlin"#]),
        ("catchUp: Latest", "Asia/Shanghai", [
            "3: schedule: one of cron, lunar or at is required",
            #"5: schedule.catchUp: expected one of none, latest, all, got "Latest" (did you mean latest?)"#,
        ]),
        (#"cron: "0 9 * * MON"\#n  lunar: "01-01 09:00""#, "Asia/Shanghai",
         ["6: schedule.lunar: only one of cron, lunar or at may be given, and cron is given too"]),
    ])
    func scheduleProblems(rule: String, timezone: String, expected: [String]) {
        #expect(CampaignFixtures.problems(CampaignFixtures.minimal(schedule: rule, timezone: timezone)) == expected)
    }

    @Test("window problems: an inverted window, a date that does not exist, and a rule that never fires inside it", arguments: [
        ("{ from: 2027-03-31, until: 2026-11-01 }", ["6: schedule.window: window starts 2027-03-31, after it ends 2026-11-01"]),
        ("{ from: 2026-02-30 }", [#"6: schedule.window.from: expected a date of the form YYYY-MM-DD, got "2026-02-30""#]),
        ("{ from: 2026-11-01, to: 2027-01-01 }", ["6: schedule.window.to: unknown key (known keys: from, until)"]),
        ("{ from: 2026-12-01, until: 2026-12-31 }", ["5: schedule.lunar: never fires within the window 2026-12-01…2026-12-31"]),
        // The lunar table ends with lunar 2100 and begins with 1901: a window beyond either is refused, not guessed.
        ("{ from: 2101-03-01 }", ["5: schedule.lunar: \(ScheduleError.lunarTableLimit)"]),
        ("{ from: 1850-01-01, until: 1860-12-31 }", ["5: schedule.lunar: \(ScheduleError.lunarTableLimit)"]),
    ])
    func windowProblems(window: String, expected: [String]) {
        let file = CampaignFixtures.minimal(schedule: "lunar: \"01-01 09:00\"\n  window: \(window)")
        #expect(CampaignFixtures.problems(file) == expected)
    }

    @Test("an at instant outside the window is refused")
    func atOutsideWindow() {
        let file = CampaignFixtures.minimal(schedule: "at: 2026-12-20T09:00:00+08:00\n  window: { until: 2026-11-30 }")
        #expect(CampaignFixtures.problems(file) == [
            "5: schedule.at: 2026-12-20T09:00:00+08:00 lies outside the window …2026-11-30, so the campaign would never fire",
        ])
    }

    @Test("an unknown program lists the known ones")
    func unknownProgram() {
        let file = CampaignFixtures.minimal().replacing("program: no-parameters", with: "program: winter")
        #expect(CampaignFixtures.problems(file) == [
            #"2: program: expected one of no-parameters, seasonal-relief, test-program, got "winter""#,
        ])
    }

    @Test("a validator's problems are at the lines of their values; a key it misses, at the line of its block, or of the file's top without one")
    func validatorPathsToLines() {
        let file = """
            name: relief
            program: test-program
            schedule: { timezone: Asia/Shanghai, cron: "0 9 * * MON" }
            parameters:
              season: winter
              amounts:
                "1": -5
                "2": 100
              extra: true
            """
        #expect(CampaignFixtures.problems(file) == [
            #"5: parameters.season: expected one of spring-jobs, summer-cooling, autumn-education, winter-warmth, got "winter""#,
            "7: parameters.amounts.1: expected a positive number of yuan, got -5",
            "9: parameters.extra: unknown key (known keys: season, amounts, budget, eligibility)",
        ])
        let noParameters = "name: relief\nprogram: test-program\nschedule: { timezone: UTC, cron: \"0 9 * * MON\" }\n"
        #expect(CampaignFixtures.problems(noParameters) == [
            "1: parameters.season: required: one of spring-jobs, summer-cooling, autumn-education, winter-warmth",
            "1: parameters.amounts: required: yuan per member by tier",
        ])
    }

    @Test("a YAML syntax error is one problem with its line")
    func syntaxError() {
        let file = "name: relief\nprogram: test-program\nschedule:\n  timezone: UTC\n  cron: * * * * *\n"
        let problems = CampaignFixtures.problems(file)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("5: YAML syntax: ") == true)
        #expect(problems.first?.hasSuffix(#"a value starting with * must be quoted, as in cron: "* * * * *""#) == true)
    }

    @Test("a key written twice is a problem at the second, naming the first")
    func duplicateKey() {
        #expect(CampaignFixtures.problems(CampaignFixtures.minimal("cycle: yearly\ncycle: monthly")) == [
            "7: cycle: key appears more than once in this mapping (first at line 6)",
        ])
    }

    @Test("a second document is refused with its line; a trailing --- is not a document")
    func severalDocuments() {
        let two = CampaignFixtures.minimal() + "\n---\nname: other\n"
        #expect(CampaignFixtures.problems(two) == [
            "8: a campaign file holds one campaign, but a second document starts here; put each campaign in its own file",
        ])
        #expect(CampaignFixtures.problems("---\n" + CampaignFixtures.minimal() + "\n---\n").isEmpty)
    }

    @Test("an empty file, or one that is not a mapping, is one problem")
    func notACampaign() {
        #expect(CampaignFixtures.problems("# nothing yet\n") == ["1: the file holds no campaign"])
        #expect(CampaignFixtures.problems("- a\n- b\n") == [
            "1: expected a mapping of name, title, program, schedule, execution, cycle, parameters, got a list",
        ])
    }

    @Test("merge keys are refused rather than merged silently")
    func mergeKeys() {
        let file = CampaignFixtures.minimal("execution:\n  <<: { queue: relief }")
        #expect(CampaignFixtures.problems(file) == ["7: execution.<<: merge keys (<<) are not supported; write the keys out"])
    }

    @Test("aliases that expand to a huge tree stop with one problem instead of hanging")
    func aliasBomb() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]")
        }
        let file = CampaignFixtures.minimal("parameters:\n" + lines.map { "  " + $0 }.joined(separator: "\n"))
        let problems = CampaignFixtures.problems(file)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("more than 100000 values") == true)
    }
}
