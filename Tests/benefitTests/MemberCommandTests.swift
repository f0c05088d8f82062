import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `benefit members leave`, `members show` and `members import --complete`, run
/// as the real binary by a login that holds benefit_operator alone.
@Suite("Member commands: leave, show, complete import")
struct MemberCommandTests {
    /// Runs `body` with a fresh database's owner pool and a login that holds benefit_operator alone.
    static func withOperator(_ body: (_ owner: PostgresPool, _ login: PostgresConfiguration) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            try await TestDatabase.withLogins([.operator], on: configuration) { logins in try await body(owner, logins[.operator]!) }
        }
    }

    /// Runs a command that must fail with `code` and one line on stderr containing `text`.
    static func refuse(_ arguments: [String], code: Int32, saying text: String, as login: PostgresConfiguration) async throws {
        let outcome = try await CommandFixtures.run(arguments, as: login)
        let lines = outcome.standardError.split(separator: "\n").filter { !$0.isEmpty }
        #expect(outcome.exitCode == code, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
        #expect(lines.first?.contains(text) == true, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
        if code == 1 { #expect(lines.count == 1, "one line: \(outcome.standardError)") }
    }

    /// A roster of `count` generated members, `M0000001` …, as a file.
    static func roster(_ count: Int, named name: String) throws -> String {
        let path = TemporaryFiles.path(named: name)
        try RosterGenerator.writeCSV(count: count, seed: 3, asOf: CalendarDate("2026-01-01")!, toFile: path)
        return path
    }

    /// The first `count` records of a roster file (and its header), as another file.
    static func head(_ path: String, _ count: Int, named name: String) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        return try TemporaryFiles.write(lines.prefix(count + 1).joined(separator: "\n") + "\n", named: name)
    }

    @Test("members leave records the leave and its audit row; members show prints the status and history, as text and JSON")
    func leaveAndShow() async throws {
        try await Self.withOperator { owner, login in
            try await CommandFixtures.succeed(["members", "import", try Self.roster(20, named: "roster.csv")], as: login)
            let id = try await owner.query("SELECT member_id FROM benefit.member ORDER BY member_id LIMIT 1").single(String.self)
            let left = try await CommandFixtures.succeed(
                ["members", "leave", id, "--date", "2026-11-30", "--reason", "transferred", "--note", "to the rail union"], as: login)
            #expect(left == "member \(id) left on 2026-11-30 (transferred)\n")
            #expect(try await owner.query("SELECT status, left_reason FROM benefit.members WHERE member_id = \(id)")
                .single((String, String).self) == ("left", "transferred"))
            let audit = try await owner.query("SELECT action, target, reason, db_user FROM benefit.audit").decode((String, String, String?, String).self)
            #expect(audit.count == 2)
            #expect(audit.contains { $0 == ("member.leave", id, "to the rail union", login.parameter("user") ?? "") })

            let text = try await CommandFixtures.succeed(["members", "show", id], as: login)
            #expect(text.contains("status left on 2026-11-30 (transferred): to the rail union"), "\(text)")
            #expect(text.contains("joined") && text.contains("left on 2026-11-30 · transferred · to the rail union"), "\(text)")
            let json = try await CommandFixtures.succeed(["members", "show", id, "--json"], as: login)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let member = try #require(object["member"] as? [String: Any])
            #expect(member["memberID"] as? String == id)
            #expect((member["left"] as? [String: Any])?["reason"] as? String == "transferred")
            let entries = try #require(object["entries"] as? [[String: Any]])
            #expect(entries.compactMap { $0["kind"] as? String } == ["joined", "left"])

            let other = try await owner.query("SELECT member_id FROM benefit.member ORDER BY member_id OFFSET 1 LIMIT 1").single(String.self)
            #expect(try await CommandFixtures.succeed(["members", "show", other], as: login).contains("status active"))
        }
    }

    @Test("a leave with a wrong reason, a future date or a blank note exits 64; an unknown or already-left member exits 1; nothing is written")
    func leaveRefusals() async throws {
        try await Self.withOperator { owner, login in
            try await CommandFixtures.succeed(["members", "import", try Self.roster(5, named: "roster.csv")], as: login)
            let id = try await owner.query("SELECT member_id FROM benefit.member ORDER BY member_id LIMIT 1").single(String.self)
            try await Self.refuse(["members", "leave", id, "--date", "2026-11-30", "--reason", "absent"], code: 64, saying: "--reason", as: login)
            try await Self.refuse(["members", "leave", id, "--date", "2026-11-31", "--reason", "deceased"], code: 64, saying: "--date", as: login)
            try await Self.refuse(["members", "leave", id, "--date", "2999-01-01", "--reason", "deceased"], code: 64, saying: "after today", as: login)
            try await Self.refuse(
                ["members", "leave", id, "--date", "2026-11-30", "--reason", "deceased", "--note", " "], code: 64, saying: "--note", as: login)
            try await Self.refuse(["members", "leave", "NOBODY-9", "--date", "2026-11-30", "--reason", "retired"], code: 1, saying: "no member", as: login)
            #expect(try await owner.query("SELECT count(*) FROM benefit.member WHERE left_on IS NOT NULL").single(Int.self) == 0)
            try await CommandFixtures.succeed(["members", "leave", id, "--date", "2026-11-30", "--reason", "retired"], as: login)
            try await Self.refuse(["members", "leave", id, "--date", "2026-12-01", "--reason", "deceased"], code: 1, saying: "already left on 2026-11-30", as: login)
            try await Self.refuse(["members", "show", "NOBODY-9"], code: 1, saying: "no member", as: login)
            #expect(try await owner.query("SELECT count(*) FROM benefit.audit WHERE action = 'member.leave'").single(Int.self) == 1)
            #expect(try await owner.query("SELECT count(*) FROM benefit.membership_change").single(Int.self) == 1)
        }
    }

    @Test("import --complete: a dry run prints who would leave and writes nothing; the wrong file is refused in one line; the right one marks absentees")
    func completeImport() async throws {
        try await Self.withOperator { owner, login in
            let all = try Self.roster(40, named: "all.csv")
            try await CommandFixtures.succeed(["members", "import", all], as: login)
            let most = try Self.head(all, 37, named: "most.csv")
            let leftCount: PostgresQuery = "SELECT count(*) FROM benefit.members WHERE status = 'left'"

            let dry = try await CommandFixtures.succeed(["members", "import", most, "--complete", "--dry-run"], as: login)
            #expect(dry.hasPrefix("\(most): 3 would leave (absent from the complete roster)\n"), "\(dry)")
            #expect(dry.contains("nothing was written (dry run)"))
            #expect(try await owner.query(leftCount).single(Int.self) == 0)

            let part = try Self.head(all, 20, named: "part.csv")
            try await Self.refuse(["members", "import", part, "--complete"], code: 1, saying: "20 of 40 active members (50 %)", as: login)
            #expect(try await owner.query(leftCount).single(Int.self) == 0)
            try await Self.refuse(["members", "import", most, "--max-leaving-share", "5"], code: 64, saying: "--complete", as: login)
            try await Self.refuse(["members", "import", most, "--complete", "--max-leaving-share", "120"], code: 64, saying: "--max-leaving-share", as: login)

            let done = try await CommandFixtures.succeed(["members", "import", most, "--complete", "--max-leaving-share", "7.5%"], as: login)
            #expect(done.hasPrefix("\(most): 3 left (absent from the complete roster)\n"), "\(done)")
            #expect(try await owner.query(leftCount).single(Int.self) == 3)
            #expect(try await owner.query("SELECT count(*) FROM benefit.audit WHERE action = 'roster.import'").single(Int.self) == 2)

            let back = try await CommandFixtures.succeed(["members", "import", all], as: login)
            #expect(back.contains("3 who had left re-joined"), "\(back)")
            #expect(try await owner.query(leftCount).single(Int.self) == 0)
        }
    }
}
