import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

private struct Payload: Codable, Sendable, Equatable {
    var season: String
    var tiers: [Int]
    var amounts: [String: Decimal]
}

@Suite("Every supported type round-trips through PostgreSQL")
struct TypeRoundTripTests {
    @Test("scalars, NULLs and their SQL types")
    func scalarsRoundTrip() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let id = UUID()
            let day = CalendarDate(year: 2028, month: 2, day: 29)!
            let instant = Date(timeIntervalSince1970: 1_795_000_000.123456)
            let row = try await connection.query("""
                SELECT \(Int.max), \(Int64.min), \(Int32(-7)), \(3.25), \(true), \("文本"), \(id), \(day), \(instant),
                       pg_typeof(\(1))::text, pg_typeof(\(Decimal(string: "1.5")!))::text, pg_typeof(\(instant))::text
                """).single((Int, Int64, Int32, Double, Bool, String, UUID, CalendarDate, Date, String, String, String).self)
            #expect(row.0 == Int.max)
            #expect(row.1 == Int64.min)
            #expect(row.2 == -7)
            #expect(row.3 == 3.25)
            #expect(row.4 == true)
            #expect(row.5 == "文本")
            #expect(row.6 == id)
            #expect(row.7 == day)
            #expect(abs(row.8.timeIntervalSince(instant)) < 0.000_001)
            #expect(row.9 == "bigint")
            #expect(row.10 == "numeric")
            #expect(row.11 == "timestamp with time zone")

            let nulls = try await connection.query("""
                SELECT \(Int?.none), \(String?.none), \(Date?.none), \(Decimal?.none), \(UUID?.none), \(CalendarDate?.none), \(Bool?.none)
                """).single((Int?, String?, Date?, Decimal?, UUID?, CalendarDate?, Bool?).self)
            #expect(nulls.0 == nil && nulls.1 == nil && nulls.2 == nil && nulls.3 == nil)
            #expect(nulls.4 == nil && nulls.5 == nil && nulls.6 == nil)
        }
    }

    @Test("money keeps exactly two fraction digits, also negative", arguments: ["0.10", "-1234.56", "2000.00", "99999999.99", "-0.01"])
    func decimalKeepsCents(_ text: String) async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE money (amount numeric(12,2))")
            let amount = Decimal(string: text)!
            try await connection.query("INSERT INTO money VALUES (\(amount))")
            let (back, asText) = try await connection.query("SELECT amount, amount::text FROM money").single((Decimal, String).self)
            #expect(back == amount)
            #expect(asText == text)
            // Sums stay exact: 0.10 three times is 0.30, not 0.30000000000000004.
            let sum = try await connection.query("SELECT sum(amount) FROM (VALUES (\(amount)), (\(amount)), (\(amount))) v(amount)").single(Decimal.self)
            #expect(sum == amount * 3)
        }
    }

    @Test("instants keep their moment whatever zone they were written in")
    func timeZonesAreRespected() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            // The same instant written in three zones.
            let instants = try await connection.query("""
                SELECT '2026-03-08 03:00:00-04'::timestamptz, '2026-03-08 07:00:00Z'::timestamptz,
                       '2026-03-08 15:00:00+08'::timestamptz,
                       ('2026-12-20 09:00'::timestamp AT TIME ZONE 'Asia/Shanghai')
                """).single((Date, Date, Date, Date).self)
            #expect(instants.0 == instants.1)
            #expect(instants.1 == instants.2)
            #expect(instants.0.timeIntervalSince1970 == 1_772_953_200)
            #expect(instants.3.timeIntervalSince1970 == 1_797_728_400)
            // A session in another zone reads the same instant from a bound value.
            try await connection.query("SET TimeZone = 'America/New_York'")
            let echoed = try await connection.query("SELECT \(instants.0)").single(Date.self)
            #expect(echoed == instants.0)
        }
    }

    @Test("arrays of every element type, with NULL elements and awkward text")
    func arraysRoundTrip() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let texts = ["a", "with,comma", "with \"quote\"", "back\\slash", "{braces}", "NULL", "", " spaced "]
            let optionalInts: [Int?] = [1, nil, -3]
            let decimals = [Decimal(string: "1.50")!, Decimal(string: "-0.01")!]
            let days = [CalendarDate(year: 2027, month: 4, day: 5)!, CalendarDate(year: 2027, month: 5, day: 3)!]
            let row = try await connection.query("""
                SELECT \(texts), \(optionalInts), \(decimals), \(days), \([Int]()), cardinality(\(texts))
                """).single(([String], [Int?], [Decimal], [CalendarDate], [Int], Int).self)
            #expect(row.0 == texts)
            #expect(row.1 == optionalInts)
            #expect(row.2 == decimals)
            #expect(row.3 == days)
            #expect(row.4 == [])
            #expect(row.5 == texts.count)
            let unnested = try await connection.query("SELECT unnest(\(texts))").decode(String.self)
            #expect(unnested == texts)
        }
    }

    @Test("jsonb via Codable")
    func jsonRoundTrips() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let payload = Payload(season: "winter-warmth", tiers: [1, 2, 3], amounts: ["1": 2000, "2": Decimal(string: "1200.50")!])
            let (back, season) = try await connection.query("""
                SELECT \(PostgresJSON(payload)), \(PostgresJSON(payload))->>'season'
                """).single((PostgresJSON<Payload>, String).self)
            #expect(back.value == payload)
            #expect(season == "winter-warmth")
        }
    }

    @Test("a type mismatch or an unexpected NULL names the column")
    func decodingErrorsNameTheColumn() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let rows = try await connection.query("SELECT 'x'::text AS member_id, NULL::int AS tier")
            let mismatch = #expect(throws: PostgresError.self) { try rows.single((Int, Int?).self) }
            #expect(mismatch?.description.contains("\"member_id\"") == true)
            let null = #expect(throws: PostgresError.self) { try rows.single((String, Int).self) }
            #expect(null?.description.contains("\"tier\"") == true)
            #expect(null?.description.contains("NULL") == true)
            let named = try rows[0].decode(Int?.self, column: "tier")
            #expect(named == nil)
        }
    }

    @Test("server errors carry SQLSTATE, and row values only in the debug form")
    func serverErrorsCarrySQLState() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE m (member_id text PRIMARY KEY)")
            try await connection.query("INSERT INTO m VALUES (\("M-000042"))")
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("INSERT INTO m VALUES (\("M-000042"))")
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.isUniqueViolation == true)
            #expect(error?.description.contains("M-000042") == false)
            #expect(error?.debugDescription.contains("M-000042") == true)
        }
    }
}
