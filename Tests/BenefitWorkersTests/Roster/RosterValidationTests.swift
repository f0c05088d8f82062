import BenefitCore
import BenefitWorkers
import Foundation
import Testing

@Suite("Roster validation")
struct RosterValidationTests {
    static let today = CalendarDate(year: 2026, month: 11, day: 21)!
    static let good = "M0000001,王伟,城东区第一机床厂,M,1980-02-29,2000-03-01,staff,,true,false,2019,2025-06-01,"

    /// Reads `rows` under the roster header; returns the members and the reader (for its problems).
    static func read(_ rows: [String], chunkSize: Int = 1 << 20) throws -> ([RosterRow], RosterReader) {
        let text = ([RosterColumn.header] + rows).joined(separator: "\n") + "\n"
        var reader = try RosterReader(file: "roster.csv", records: CSVRecordReader(bytes: Array(text.utf8), chunkSize: chunkSize), today: today)
        var members: [RosterRow] = []
        while let row = try reader.next() { members.append(row) }
        return (members, reader)
    }

    @Test("a good record becomes a member: empty optional fields are nil, empty flags false")
    func goodRecord() throws {
        let (rows, reader) = try Self.read([Self.good, "m-2,李娜,城西区红星纺织厂,F,1999-12-31,,gig,3,,YES,,,2026"])
        #expect(reader.problemCount == 0)
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows[0].member == Member(
            memberID: "M0000001", name: "王伟", orgUnit: "城东区第一机床厂", gender: .male,
            birthDate: CalendarDate(year: 1980, month: 2, day: 29)!, hireDate: CalendarDate(year: 2000, month: 3, day: 1)!,
            employment: .staff, frontline: true, lastRecuperationYear: 2019,
            lastCheckupDate: CalendarDate(year: 2025, month: 6, day: 1)!))
        let second = rows[1].member
        #expect(second.hireDate == nil && second.hardshipTier == 3 && !second.frontline && second.modelWorker)
        #expect(second.lastCheckupDate == nil && second.childCollegeYear == 2026 && second.employment == .gig)
    }

    @Test("14 years after 29 February is 28 February, as PostgreSQL computes it")
    func leapDayHireRule() throws {
        let row = { (hire: String) in "M1,王伟,U,M,1980-02-29,\(hire),staff,,,,,," }
        #expect(try Self.read([row("1994-02-28")]).1.problemCount == 0)
        let (_, reader) = try Self.read([row("1994-02-27")])
        #expect(reader.problems.map(\.description) == ["roster.csv:2: hire_date: 1994-02-27 is less than 14 years after birth_date 1980-02-29"])
    }

    @Test("booleans: true/false, yes/no, 1/0 in any case, empty for false; anything else is named")
    func booleans() throws {
        let row = { (flag: String) in "M1,王伟,U,M,1980-01-01,,staff,,\(flag),,,," }
        for (text, value) in [("true", true), ("FALSE", false), ("Yes", true), ("no", false), ("1", true), ("0", false), ("", false)] {
            let (rows, _) = try Self.read([row(text)])
            #expect(rows.first?.member.frontline == value, "\(text)")
        }
        let (_, reader) = try Self.read([row("y")])
        #expect(reader.problems.first?.column == .frontline)
    }

    @Test("a record can have several problems; all are reported with its line, in column order, even after a name spanning lines")
    func severalProblemsPerRecord() throws {
        let (rows, reader) = try Self.read([
            "M1,\"王\n伟\",U,M,1980-01-01,,staff,,,,,,",
            "M2,李娜,U,X,1980-13-01,,boss,0,,,,,",
        ])
        #expect(rows.count == 1)
        #expect(reader.problems.map(\.line) == [4, 4, 4, 4])
        #expect(reader.problems.map(\.column) == [.gender, .birthDate, .employment, .hardshipTier])
    }

    @Test("after 50 problems the rest are only counted")
    func problemCap() throws {
        let rows = (1...1_284).map { "M\($0),王伟,U,M,1980-01-01,,staff,9,,,,," }
        let (members, reader) = try Self.read(rows, chunkSize: 4096)
        #expect(members.isEmpty)
        #expect(reader.problems.count == 50)
        #expect(reader.problemCount == 1_284)
        let rejection = try #require(reader.rejection)
        #expect(rejection.problemLines.last == "… and 1234 more problems")
        #expect(rejection.summary == "1284 problems in roster.csv; nothing was imported")
    }

    @Test("a wrong header is one error that names the expected header")
    func wrongHeader() throws {
        let text = "member_id,name,gender\nM1,王伟,M\n"
        #expect {
            _ = try RosterReader(file: "r.csv", records: CSVRecordReader(bytes: Array(text.utf8)), today: Self.today)
        } throws: { error in
            guard let error = error as? RosterError else { return false }
            return error.code == .badHeader && error.summary.contains(RosterColumn.header) && error.summary.contains("line 1")
        }
    }

    @Test("a problem shows the control characters of what was written escaped, and Chinese as it is")
    func controlCharactersEscaped() throws {
        let (_, reader) = try Self.read(["M1,王伟,U,\u{1B}[2J女,1980-01-01,,staff,,\u{1B}]0;x\u{7},,,,"])
        #expect(reader.problems.map(\.description) == [
            #"roster.csv:2: gender: "\u{1B}[2J女" is not F or M"#,
            #"roster.csv:2: frontline: "\u{1B}]0;x\u{7}" is not true or false (also yes/no, 1/0; empty for false)"#,
        ])
    }

    @Test("a folder given as the roster is named as such")
    func folderIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try RosterReader(path: folder.path, today: Self.today)
            Issue.record("a folder was read as a roster")
        } catch {
            #expect(error.summary == "\(folder.path): cannot read: is a directory; nothing was imported")
        }
    }
}
