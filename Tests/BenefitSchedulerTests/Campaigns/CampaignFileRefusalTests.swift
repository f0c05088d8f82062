import BenefitScheduler
import Foundation
import Testing

/// What a careless or hostile author may put in a campaign file, and the one clear problem each gets.
@Suite("Campaign files: runaway sizes, characters PostgreSQL cannot store, repeated keys, past instants, huge numbers")
struct CampaignFileRefusalTests {
    // MARK: Sizes

    @Test("a file larger than 1 MiB is refused before it is parsed, naming the limit; one of exactly 1 MiB is read")
    func fileSizeLimit() throws {
        let file = CampaignFixtures.minimal("# padding")
        let exact = file + String(repeating: "x", count: 1_048_576 - file.utf8.count)
        #expect(try CampaignFixtures.parse(exact).name == "minimal")
        // One byte too many, in a title the reader would otherwise take (and store, and print).
        let tooLarge = file + "\ntitle: " + String(repeating: "x", count: 1_048_576)
        #expect(CampaignFixtures.problems(tooLarge) == ["0: cannot read: larger than 1 MiB (1048576 bytes), the most a campaign file may be"])
    }

    @Test("a file too large, a folder, a missing file: each one line naming the file, among the other files' problems")
    func unreadableFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refusals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("campaigns.yaml").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let huge = directory.appendingPathComponent("huge.yaml").path
        try Data(repeating: UInt8(ascii: "#"), count: 50 << 20).write(to: URL(fileURLWithPath: huge))
        let missing = directory.appendingPathComponent("missing.yaml").path

        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFiles.read([folder, huge, missing], validators: RunFixtures.programs.validators)
        }
        #expect(error?.problems.map(\.description) == [
            "\(folder): cannot read: is a directory",
            "\(huge): cannot read: larger than 1 MiB (1048576 bytes), the most a campaign file may be",
            "\(missing): cannot read: No such file or directory",
        ])
    }

    @Test("a title of up to 200 characters is taken, Chinese included; a longer one is refused naming the limit")
    func titleLength() throws {
        let longest = String(repeating: "冬", count: 200)
        #expect(try CampaignFixtures.parse(CampaignFixtures.minimal("title: \(longest)")).title == longest)
        #expect(CampaignFixtures.problems(CampaignFixtures.minimal("title: \(longest)冬")) == [
            "6: title: 201 characters, more than the 200 allowed",
        ])
    }

    // MARK: Characters PostgreSQL cannot store

    @Test("U+0000, however YAML writes it, is refused at its line and path, once, before any other reading of the value", arguments: [
        (#"title: "a\0b""#, "6: title"),
        (#"title: "a\x00b""#, "6: title"),
        (#"title: "a\u0000b""#, "6: title"),
        (#"cycle: "yearly\0""#, "6: cycle"),
        ("execution:\n  queue: \"relief\\0\"", "7: execution.queue"),
        ("parameters:\n  note: \"\\0\"", "7: parameters.note"),
    ])
    func nulIsRefused(line: String, place: String) {
        #expect(CampaignFixtures.problems(CampaignFixtures.minimal(line)) == [
            "\(place): contains U+0000 (NUL), which PostgreSQL cannot store in text",
        ])
    }

    @Test("a key holding U+0000 is refused at its line")
    func nulInKey() {
        let problems = CampaignFixtures.problems(CampaignFixtures.minimal(#""ti\0tle": x"#))
        #expect(problems == ["6: ti\u{0}tle: the key contains U+0000 (NUL), which PostgreSQL cannot store in text"])
    }

    // MARK: Repeated keys

    @Test("a repeated key is reported at its second occurrence, naming the first, in every shape of mapping", arguments: [
        ("name: again", ["6: name: key appears more than once in this mapping (first at line 1)"]),
        ("cycle: yearly\ncycle: monthly\ncycle: run", [
            "7: cycle: key appears more than once in this mapping (first at line 6)",
            "8: cycle: key appears more than once in this mapping (first at line 6)",
        ]),
        ("execution:\n  queue: a\n  lease: 10s\n  queue: b", ["9: execution.queue: key appears more than once in this mapping (first at line 7)"]),
        (#"execution: { queue: a, "queue": b }"#, ["6: execution.queue: key appears more than once in this mapping (first at line 6)"]),
        ("execution:\n  'queue': a\n  queue: b\ncycle: yearly\ncycle: run", [
            "8: execution.queue: key appears more than once in this mapping (first at line 7)",
            "10: cycle: key appears more than once in this mapping (first at line 9)",
        ]),
    ])
    func repeatedKeyAtItsSecondLine(lines: String, expected: [String]) {
        #expect(CampaignFixtures.problems(CampaignFixtures.minimal(lines)) == expected)
    }

    @Test("a repeated key does not stop reading: the file's other problems are listed with it")
    func repeatedKeyAmongOtherProblems() {
        let file = CampaignFixtures.minimal("cycle: weekly\nexecution: { batchSize: 0 }\ncycle: yearly")
        #expect(CampaignFixtures.problems(file) == [
            #"6: cycle: expected one of yearly, monthly, run, got "weekly""#,
            "7: execution.batchSize: 0 is out of range: members per batch must be from 1 to 100000",
            "8: cycle: key appears more than once in this mapping (first at line 6)",
        ])
    }

    @Test("a repeated key in a nested schedule block, written in block style, is at the repeat's line")
    func repeatedKeyInSchedule() {
        let file = CampaignFixtures.minimal(schedule: "cron: \"0 9 * * MON\"\n  timezone: UTC")
        #expect(CampaignFixtures.problems(file) == ["6: schedule.timezone: key appears more than once in this mapping (first at line 4)"])
    }

    // MARK: at: in the past

    @Test("an at instant that has passed when the file is applied is refused with the instant and the time of applying")
    func pastAtIsRefused() throws {
        let file = CampaignFixtures.minimal(schedule: "at: 2026-12-20T09:00:00+08:00")
        let instant = ScheduleFixtures.instant("2026-12-20T01:00:00Z")
        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFile.parse(text: file, fileName: "f.yaml", validators: CampaignFixtures.validators, now: instant)
        }
        #expect(error?.description
            == "f.yaml:5: schedule.at: 2026-12-20T09:00:00+08:00 has already passed (it is now 2026-12-20T09:00:00+08:00), so the campaign would never fire")
        let definition = try CampaignFile.parse(
            text: file, fileName: "f.yaml", validators: CampaignFixtures.validators, now: instant.addingTimeInterval(-1))
        #expect(definition.schedule.kind == .at(instant))
    }

    @Test("by default a file is applied now: an at instant years ago is refused")
    func pastAtIsRefusedNow() {
        let file = CampaignFixtures.minimal(schedule: "at: 2001-01-01T09:00:00+08:00")
        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFile.parse(text: file, fileName: "f.yaml", validators: CampaignFixtures.validators)
        }
        #expect(error?.problems.count == 1)
        #expect(error?.problems.first?.description.hasPrefix("f.yaml:5: schedule.at: 2001-01-01T09:00:00+08:00 has already passed (it is now ") == true)
    }

    @Test("a stored definition whose at instant has since passed still reads back")
    func storedPastAtLoads() throws {
        let file = CampaignFixtures.minimal(schedule: "at: 2026-12-20T09:00:00+08:00")
        let applied = try CampaignFixtures.parse(file)
        let stored = Data(applied.canonicalJSON.utf8)
        // Read back long after its one fire time.
        #expect(try JSONDecoder().decode(CampaignDefinition.self, from: stored) == applied)
    }

    // MARK: Numbers too large to hold

    @Test("a number no Decimal holds exactly is out of range, named as a number, wherever a number is wanted", arguments: [
        ("execution:\n  batchSize: 1e300", "7: execution.batchSize: 1e300 is out of range: members per batch must be from 1 to 100000"),
        ("execution:\n  priority: -1234567890123456789012345678901234567890",
         "7: execution.priority: -1234567890123456789012345678901234567890 is out of range: the jobs' priority must be from -32768 to 32767"),
        ("execution:\n  concurrency: 1e1000", "7: execution.concurrency: 1e1000 is out of range: running jobs at once must be from 1 to 2147483647"),
    ])
    func outsizedNumbers(line: String, expected: String) {
        #expect(CampaignFixtures.problems(CampaignFixtures.minimal(line)) == [expected])
    }

    @Test("a program's own number field says the number cannot be held, not that it is text")
    func outsizedNumberInParameters() {
        let file = CampaignFixtures.minimal(#"parameters: { season: winter-warmth, amounts: { "1": 1e300 } }"#)
            .replacing("program: no-parameters", with: "program: test-program")
        #expect(CampaignFixtures.problems(file) == [
            "6: parameters.amounts.1: expected a positive number of yuan, got 1e300, a number too large or too precise to hold exactly (at most 38 significant digits, within 10^±100)",
        ])
    }

    @Test("a text field takes a huge number as the text written")
    func outsizedNumberAsText() throws {
        #expect(try CampaignFixtures.parse(CampaignFixtures.minimal("title: 1e300")).title == "1e300")
    }

    // MARK: Control characters

    @Test("problems show the control characters of what was written escaped, and Chinese as it is")
    func controlCharactersEscaped() {
        let file = CampaignFixtures.minimal(#""\e[2J": 1"# + "\n" + #"cycle: "\e]0;pwned\a 每年\u202E""#)
        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFile.parse(text: file, fileName: "f\u{1B}[31m.yaml", validators: CampaignFixtures.validators, now: CampaignFixtures.appliedAt)
        }
        #expect(error?.problems.map(\.description) == [
            #"f\u{1B}[31m.yaml:6: \u{1B}[2J: unknown key (known keys: name, title, program, schedule, execution, cycle, parameters)"#,
            #"f\u{1B}[31m.yaml:7: cycle: expected one of yearly, monthly, run, got "\u{1B}]0;pwned\u{7} 每年\u{202E}""#,
        ])
    }
}
