import BenefitCore
import Foundation
@testable import PostgresClient
import Testing

@Suite("Text formats, without a database")
struct TextFormatTests {
    @Test("timestamps format and parse at microsecond precision", arguments: [
        ("2026-11-21 20:00:49.123456+00", 1_795_291_249.123456),
        ("1970-01-01 00:00:00+00", 0),
        ("1969-12-31 23:59:59.5+00", -0.5),
        ("2026-03-08 03:00:00-04", 1_772_953_200),
        ("2026-03-08 15:00:00+08", 1_772_953_200),
        ("2026-03-08 12:30:00+05:30", 1_772_953_200),
    ])
    func timestampsParse(_ text: String, _ seconds: Double) throws {
        let date = try #require(TimestampText.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
        let again = try #require(TimestampText.parse(TimestampText.format(date)))
        #expect(abs(again.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test("malformed timestamps are refused", arguments: ["2026-13-01 00:00:00+00", "2026-02-30 00:00:00", "yesterday", "2026-01-01 10:00"])
    func malformedTimestamps(_ text: String) {
        #expect(TimestampText.parse(text) == nil)
    }

    @Test("array text parses quoting, escapes, NULL and bounds")
    func arrayText() throws {
        #expect(try PostgresArrayText.parse("{}") == [])
        #expect(try PostgresArrayText.parse("{1,NULL,3}") == ["1", nil, "3"])
        #expect(try PostgresArrayText.parse(#"{"a,b","NULL","q\"x","s\\t"}"#) == ["a,b", "NULL", "q\"x", "s\\t"])
        #expect(try PostgresArrayText.parse("[0:1]={7,8}") == ["7", "8"])
        // Unquoted: white space around an element is not part of it, NULL in any case is NULL.
        #expect(try PostgresArrayText.parse("{ 1 ,\tnull, NuLl ,x y,NULLS,\"\"}") == ["1", nil, nil, "x y", "NULLS", ""])
        #expect(try PostgresArrayText.parse("{ 职工 }") == ["职工"])
        #expect(throws: PostgresDecodingFailure.self) { try PostgresArrayText.parse("{{1,2},{3,4}}") }
        let original: [String?] = ["plain", nil, "q\"uote", "back\\", "", "NULL", "困难\"职工\\帮扶", "{\"a\": [1, \"é\"]}"]
        #expect(try PostgresArrayText.parse(PostgresArrayText.format(original)) == original)
        #expect(PostgresArrayText.format(["a\"b", nil, "职"]) == #"{"a\"b",NULL,"职"}"#)
    }

    @Test("calendar dates count days exactly")
    func calendarDates() throws {
        let leap = try #require(CalendarDate("2028-02-29"))
        #expect(leap.adding(days: 1) == CalendarDate(year: 2028, month: 3, day: 1))
        #expect(CalendarDate("2027-02-29") == nil)
        #expect(CalendarDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(try #require(CalendarDate("2026-11-21")).isoWeekday == 6)
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CalendarDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
    }

    @Test("a configuration prints no password")
    func configurationHidesPassword() throws {
        let url = try PostgresConfiguration("postgresql://benefit:hunter2-secret@127.0.0.1:5433/benefit")
        #expect(!url.description.contains("hunter2"))
        #expect(url.description.contains("port=5433"))
        let conninfo = try PostgresConfiguration("host=db.internal user=ops password=hunter2-secret dbname=benefit")
        #expect(!conninfo.description.contains("hunter2"))
        let malformed = #expect(throws: PostgresError.self) { try PostgresConfiguration("postgresql://ops:hunter2-secret@host:notaport/db?bogus=1") }
        #expect(malformed?.description.contains("hunter2") == false)
    }

    @Test("the connection string for a child process keeps every parameter, overrides and awkward passwords included")
    func secretConnectionStringRoundTrips() throws {
        let base = try PostgresConfiguration("postgresql://ops:p%27w%5Cd%20x@db.internal:6543/benefit?sslmode=disable")
        let child = try PostgresConfiguration(base.with(database: "other").secretConnectionString)
        #expect(child.parameter("password") == "p'w\\d x")
        #expect(child.parameter("dbname") == "other")
        #expect(child.parameter("port") == "6543")
        #expect(child.parameter("sslmode") == "disable")
        #expect(!child.description.contains("p'w"))
    }

    @Test("a connection failure names the server but not the password")
    func connectionFailureHidesPassword() async throws {
        let port = try PortProbe.freePort()
        let configuration = try PostgresConfiguration("postgresql://benefit:hunter2-secret@127.0.0.1:\(port)/benefit")
        let error = await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(to: configuration) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isConnectionLoss == true)
        #expect(error?.description.contains("\(port)") == true)
        #expect(error?.description.contains("hunter2") == false)
        #expect(error?.debugDescription.contains("hunter2") == false)
    }
}
