import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

@Suite("Roster import")
struct RosterImportTests {
    static let asOf = CalendarDate(year: 2026, month: 1, day: 1)!

    static func path(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)").path
    }

    static func write(_ members: some Sequence<Member>, named name: String) throws -> String {
        let path = path(name)
        try #require(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        var writer = RosterCSVWriter(handle: handle)
        for member in members { try writer.write(member) }
        try writer.finish()
        try handle.close()
        return path
    }

    typealias StoredMember = (String, String, String, String, CalendarDate, CalendarDate?, String, Int?, Bool, Bool, Int?, CalendarDate?, Int?)

    static func stored(_ id: String, on pool: PostgresPool) async throws -> Member? {
        let row = try await pool.query("""
            SELECT member_id, name, org_unit, gender, birth_date, hire_date, employment, hardship_tier, frontline, model_worker,
                   last_recuperation_year, last_checkup_date, child_college_year
            FROM benefit.members WHERE member_id = \(id)
            """).first(StoredMember.self)
        return row.map {
            Member(memberID: $0.0, name: $0.1, orgUnit: $0.2, gender: Member.Gender(rawValue: $0.3)!, birthDate: $0.4,
                   hireDate: $0.5, employment: Member.Employment(rawValue: $0.6)!, hardshipTier: $0.7, frontline: $0.8,
                   modelWorker: $0.9, lastRecuperationYear: $0.10, lastCheckupDate: $0.11, childCollegeYear: $0.12)
        }
    }

    @Test("a file with one bad record of each kind is refused whole: every problem names its line and column, nothing is written")
    func badRowsRefuseTheWholeFile() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let good = { (id: String) in "\(id),王伟,市公交集团,M,1980-05-01,2000-07-01,staff,,true,false,2019,2025-06-01," }
            let rows: [(text: String, line: Int, column: RosterColumn?)] = [
                (good("M0000001"), 2, nil),
                ("-M2,王伟,U,M,1980-05-01,,staff,,,,,,", 3, .memberID),
                ("M3,,U,M,1980-05-01,,staff,,,,,,", 4, .name),
                ("M4,王伟,U,X,1980-05-01,,staff,,,,,,", 5, .gender),
                ("M5,王伟,U,F,2999-01-01,,staff,,,,,,", 6, .birthDate),
                ("M6,王伟,U,F,1980-05-01,1990-01-01,staff,,,,,,", 7, .hireDate),
                ("M7,王伟,U,F,1980-05-01,,contractor,,,,,,", 8, .employment),
                ("M8,王伟,U,F,1980-05-01,,staff,4,,,,,", 9, .hardshipTier),
                ("M9,王伟,U,F,1980-05-01,,staff,,maybe,,,,", 10, .frontline),
                ("M10,王伟,U,F,1980-05-01,,staff,,,,1949,,", 11, .lastRecuperationYear),
                ("M11,王伟,U,F,1980-05-01,,staff,,,,,1979-12-31,", 12, .lastCheckupDate),
                ("M12,王伟,U,F,1980-05-01,,staff,,,,,", 13, .childCollegeYear),
                ("M13,王伟,U,F,1990-02-30,,staff,,,,,,", 14, .birthDate),
                (good("M0000001"), 15, .memberID),
                ("M14,\"王\n伟\",U,F,1980-05-01,,staff,,,,,,", 16, nil),
                ("M15,王伟,\(String(repeating: "厂", count: 201)),F,1980-05-01,,staff,,,,,,", 18, .orgUnit),
                ("M16,王伟,U,F,1980-05-01,,staff,,,,,,20x6", 19, .childCollegeYear),
            ]
            let file = Self.path("bad.csv")
            try ([RosterColumn.header] + rows.map(\.text)).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)

            let outcome = try await BenefitProcess.run(["members", "import", file], environment: ["DATABASE_URL": try TestDatabase.url(of: configuration)])
            #expect(outcome.exitCode == 1)
            let lines = outcome.standardError.split(separator: "\n").map(String.init)
            let expected = rows.filter { $0.column != nil }
            let problems = lines.filter { $0.hasPrefix(file + ":") }
            #expect(problems.count == expected.count, "\(outcome.standardError)")
            for (problem, row) in zip(problems, expected) {
                #expect(problem.hasPrefix("\(file):\(row.line): \(row.column!.rawValue): "), "\(problem)")
            }
            #expect(lines.last?.contains("\(expected.count) problems in \(file); nothing was imported") == true, "\(outcome.standardError)")
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            #expect(try await pool.query("SELECT count(*) FROM benefit.member").single(Int.self) == 0)
        }
    }

    @Test("a wrong header is one error naming the header expected")
    func wrongHeader() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let file = Self.path("header.csv")
            try "member_id,name,gender\nM1,王伟,M\n".write(toFile: file, atomically: true, encoding: .utf8)
            let outcome = try await BenefitProcess.run(["members", "import", file], environment: ["DATABASE_URL": try TestDatabase.url(of: configuration)])
            #expect(outcome.exitCode == 1)
            let lines = outcome.standardError.split(separator: "\n")
            #expect(lines.count == 1, "\(outcome.standardError)")
            #expect(lines.first?.contains(RosterColumn.header) == true)
        }
    }

    @Test("100,000 generated members load: every one of them, with the values generated")
    func generatedRosterLoads() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let file = Self.path("roster.csv")
            let generate = try await BenefitProcess.run(["members", "generate", "--count", "100000", "--seed", "11", "--as-of", "2026-01-01", "--out", file])
            #expect(generate.exitCode == 0, "\(generate.standardError)")
            let outcome = try await BenefitProcess.run(["members", "import", file], environment: environment)
            #expect(outcome.exitCode == 0, "\(outcome.standardError)")
            #expect(outcome.standardOutput.contains("100000 added, 0 updated, 0 unchanged (100000 members)"), "\(outcome.standardOutput)")

            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            #expect(try await pool.query("SELECT count(*) FROM benefit.members").single(Int.self) == 100_000)
            let generated = Array(RosterGenerator(count: 100_000, seed: 11, asOf: Self.asOf))
            for index in [0, 1, 4_999, 77_777, 99_999] {
                let member = generated[index]
                #expect(try await Self.stored(member.memberID, on: pool) == member)
            }
            let (tiers, frontline) = try await pool.query(
                "SELECT count(hardship_tier), count(*) FILTER (WHERE frontline) FROM benefit.members").single((Int, Int).self)
            #expect(tiers == generated.filter { $0.hardshipTier != nil }.count)
            #expect(frontline == generated.filter(\.frontline).count)
        }
    }

    @Test("re-importing a changed file adds and updates only what changed; unchanged and absent members keep their updated_at")
    func reimportUpdatesOnlyChanges() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let original = Array(RosterGenerator(count: 1_000, seed: 5, asOf: Self.asOf))
            let first = try await BenefitProcess.run(["members", "import", try Self.write(original, named: "a.csv")], environment: environment)
            #expect(first.standardOutput.contains("1000 added, 0 updated, 0 unchanged"), "\(first.standardOutput)\(first.standardError)")

            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            func stamps() async throws -> [String: Date] {
                Dictionary(uniqueKeysWithValues: try await pool.query("SELECT member_id, updated_at FROM benefit.member").decode((String, Date).self))
            }
            let before = try await stamps()

            // Five members edited, the last 100 left out of the file, four new ones.
            var changed = Array(original.prefix(900))
            changed[10].name = "张三丰"
            changed[20].orgUnit = "市第二人民医院"
            changed[30].hardshipTier = changed[30].hardshipTier == nil ? 2 : nil
            changed[40].frontline.toggle()
            let checkup = CalendarDate(year: 2025, month: 12, day: 30)!
            changed[50].lastCheckupDate = changed[50].lastCheckupDate == checkup ? nil : checkup
            var newcomer = original[0]
            for number in 1...4 {
                newcomer.memberID = "N\(number)"
                changed.append(newcomer)
            }
            let edited = Set([10, 20, 30, 40, 50].map { changed[$0].memberID })
            let file = try Self.write(changed, named: "b.csv")

            let dry = try await BenefitProcess.run(["members", "import", "--dry-run", file], environment: environment)
            #expect(dry.standardOutput.contains("4 would be added, 5 would be updated, 895 unchanged (904 members); nothing was written"), "\(dry.standardOutput)\(dry.standardError)")
            #expect(try await stamps() == before)

            let second = try await BenefitProcess.run(["members", "import", file], environment: environment)
            #expect(second.standardOutput.contains("4 added, 5 updated, 895 unchanged (904 members)"), "\(second.standardOutput)\(second.standardError)")
            let after = try await stamps()
            #expect(after.count == 1_004)
            for (id, stamp) in before {
                if edited.contains(id) {
                    #expect(after[id]! > stamp, "\(id) was edited")
                } else {
                    #expect(after[id] == stamp, "\(id) did not change")
                }
            }
            #expect(try await Self.stored(changed[10].memberID, on: pool)?.name == "张三丰")
            #expect(try await Self.stored(original[950].memberID, on: pool) == original[950])

            let third = try await BenefitProcess.run(["members", "import", file], environment: environment)
            #expect(third.standardOutput.contains("0 added, 0 updated, 904 unchanged"), "\(third.standardOutput)")
            #expect(try await stamps() == after)
        }
    }
}
