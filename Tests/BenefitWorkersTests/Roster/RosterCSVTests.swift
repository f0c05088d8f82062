import BenefitWorkers
import Testing

@Suite("Roster CSV reading")
struct RosterCSVTests {
    static func records(_ text: String, chunkSize: Int = 1 << 20) throws -> [CSVRecord] {
        var reader = CSVRecordReader(bytes: Array(text.utf8), chunkSize: chunkSize)
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }

    @Test("quoted commas, doubled quotes and line breaks inside quotes parse at every chunk size, each record keeping the line it starts on")
    func quotingEdgeCases() throws {
        let text = "a,b,c\n"
            + "\"Smith, John\",\"say \"\"hi\"\"\",x\n"
            + "\"two\nlines\",y,z\r\n"
            + "\n"
            + "plain,\"\",\"\"\"\"\n"
            + "\"three\r\nline\nname\",,\n"
            + "last,no,newline"
        for chunkSize in [1, 2, 3, 5, 64, 1 << 20] {
            let records = try Self.records(text, chunkSize: chunkSize)
            #expect(records.map(\.line) == [1, 2, 3, 6, 7, 10], "chunk size \(chunkSize)")
            #expect(records.map(\.fields) == [
                ["a", "b", "c"],
                ["Smith, John", "say \"hi\"", "x"],
                ["two\nlines", "y", "z"],
                ["plain", "", "\""],
                ["three\r\nline\nname", "", ""],
                ["last", "no", "newline"],
            ], "chunk size \(chunkSize)")
            #expect(records.allSatisfy { $0.malformation == nil })
        }
    }

    @Test("a byte-order mark is dropped, CRLF ends records, blank lines are skipped")
    func spreadsheetExports() throws {
        let records = try Self.records("\u{FEFF}member_id,name\r\nM1,王伟\r\n\r\nM2,李娜\r\n\r\n")
        #expect(records.map(\.fields) == [["member_id", "name"], ["M1", "王伟"], ["M2", "李娜"]])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test("broken quoting marks the record and the field, and the records after it still parse on the right lines")
    func malformedQuoting() throws {
        let records = try Self.records("a,b\"c,d\n\"x\"y,z\nok,\"fine\"\n\"never\nclosed,at all\n")
        #expect(records.count == 4)
        #expect(records[0].malformation?.field == 1)
        #expect(records[0].malformation?.reason.contains("quote inside an unquoted field") == true)
        #expect(records[1].malformation?.field == 0)
        #expect(records[1].malformation?.reason.contains("after a closing quote") == true)
        #expect(records[2] == CSVRecord(line: 3, fields: ["ok", "fine"], malformation: nil))
        #expect(records[3].line == 4)
        #expect(records[3].malformation?.reason.contains("not closed before the end of the file") == true)
    }

    @Test("bytes that are not UTF-8, and NUL bytes, are a malformation, not a crash or a garbled name")
    func invalidUTF8() throws {
        var bytes = Array("id,name\nM1,".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\nM2,ab".utf8)
        bytes += [0]
        bytes += Array("c\n".utf8)
        var reader = CSVRecordReader(bytes: bytes)
        _ = try reader.next()
        let record = try #require(try reader.next())
        #expect(record.malformation?.field == 1)
        #expect(record.malformation?.reason.contains("UTF-8") == true)
        let withNUL = try #require(try reader.next())
        #expect(withNUL.line == 3 && withNUL.malformation?.field == 1)
        #expect(withNUL.malformation?.reason.contains("NUL") == true)
    }
}
