import BenefitCore
@testable import BenefitWorkers
import Foundation
import Testing

@Suite("Roster validation")
struct RosterValidationTests {
    static let today = CalendarDate(year: 2026, month: 11, day: 21)!
    static let good = "M0000001,王伟,城东区第一机床厂,M,1980-02-29,2000-03-01,staff,,true,false,2019,2025-06-01,"

    /// Reads `rows` under the roster header; returns the members and the reader (for its problems).
    static func read(_ rows: [String], chunkSize: Int = 1 << 20) throws -> ([RosterRow], RosterReader) {
        let text = ([RosterColumn.header] + rows).joined(separator: "\n") + "\n"
        var reader = try RosterReader(file: "roster.csv", today: today) { CSVRecordReader(bytes: Array(text.utf8), chunkSize: chunkSize) }
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

    @Test("a repeated member number is named on each later line with its first line, among the other problems in line and column order; past 50 only counted")
    func repeatedMemberNumbers() throws {
        let row = { (id: String, gender: String) in "\(id),王伟,U,\(gender),1980-01-01,,staff,,,,,," }
        let (members, reader) = try Self.read([
            row("A", "M"), row("B", "X"), row("A", "M"), row("C", "M"), row("A", "X"), row("B", "M"),
        ])
        #expect(reader.problems.map(\.description) == [
            "roster.csv:3: gender: \"X\" is not F or M",
            "roster.csv:4: member_id: \"A\" is already on line 2",
            "roster.csv:6: member_id: \"A\" is already on line 2",
            "roster.csv:6: gender: \"X\" is not F or M",
            "roster.csv:7: member_id: \"B\" is already on line 3",
        ])
        #expect(reader.problemCount == 5)
        // Repeats are known at the end: their records came back, and the file is refused.
        #expect(members.map(\.line) == [2, 4, 5, 7])
        #expect(reader.rejection?.summary == "5 problems in roster.csv; nothing was imported")

        // A file pasted twice: 60 repeats and one more; the first 50 are shown, in line order.
        let once = (1...60).map { row("M\($0)", "M") }
        let (_, twice) = try Self.read(once + once + [row("M1", "M")], chunkSize: 512)
        #expect(twice.problemCount == 61)
        #expect(twice.problems.map(\.line) == Array(62...111))
        #expect(twice.problems.first?.description == "roster.csv:62: member_id: \"M1\" is already on line 2")
        #expect(twice.problems.last?.description == "roster.csv:111: member_id: \"M50\" is already on line 51")
    }

    @Test("the hashes seen: each once, a second time refused, kept through growth past the size expected")
    func seenHashes() {
        var seen = SeenHashes(expected: 10)
        let hashes = (0..<10_000).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 &+ 7 }
        #expect(hashes.allSatisfy { seen.insert($0) })
        #expect(!hashes.contains { seen.insert($0) })
        #expect(seen.count == 10_000)
        // 0 marks an empty slot, so it is kept as 1: the two are one candidate, which the reader's second pass settles.
        var small = SeenHashes(expected: 4)
        #expect(small.insert(0) && !small.insert(1))
    }

    @Test("a wrong header is one error that names the expected header")
    func wrongHeader() throws {
        let text = "member_id,name,gender\nM1,王伟,M\n"
        #expect {
            _ = try RosterReader(file: "r.csv", today: Self.today) { CSVRecordReader(bytes: Array(text.utf8)) }
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
