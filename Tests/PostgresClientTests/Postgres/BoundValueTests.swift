import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Bound values round-trip unchanged")
struct BoundValueTests {
    @Test("hostile strings travel as values, never as SQL")
    func hostileStringsRoundTrip() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await connection.query("CREATE TABLE x (id int PRIMARY KEY, value text)")
            let hostile = [
                "it's", "\"quoted\"", "'); DROP TABLE x; --", "back\\slash \\N \\t", "emoji 🧧🎉 and 中文",
                "tab\tnew\nline\r", "$1 $2 ?", String(repeating: "长", count: 350_000) + "end",
            ]
            for (index, text) in hostile.enumerated() {
                try await connection.query("INSERT INTO x (id, value) VALUES (\(index), \(text))")
            }
            let back = try await connection.query("SELECT value FROM x ORDER BY id").decode(String?.self)
            #expect(back == hostile.map { $0 })
            // The table survived the DROP attempt, and every value came back whole.
            #expect(try await connection.query("SELECT count(*) FROM x").single(Int.self) == hostile.count)
            #expect(back.last??.utf8.count == 350_000 * 3 + 3)
            let echoed = try await connection.query("SELECT \(hostile[2])::text").single(String.self)
            #expect(echoed == hostile[2])
        }
    }

    @Test("a NUL byte is refused with a clear error instead of being cut off")
    func nulByteIsRejected() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT \("before\u{0}after")::text")
            }
            #expect(error?.code == .invalidValue)
            #expect(error?.description.contains("NUL byte") == true)
            #expect(error?.description.contains("$1") == true)
            // The connection is still usable afterwards.
            #expect(try await connection.query("SELECT 1").single(Int.self) == 1)
        }
    }

    @Test("a query prints its SQL with values masked")
    func queryDescriptionMasksValues() {
        let secret = "s3cret-value"
        let query: PostgresQuery = "SELECT * FROM m WHERE id = \(secret) AND n = \(42)"
        #expect(query.sql == "SELECT * FROM m WHERE id = $1 AND n = $2")
        #expect(query.bindings.count == 2)
        #expect(!query.description.contains(secret))
        #expect(query.description.contains("****"))
    }

    @Test("identifiers are quoted so they cannot end the name")
    func identifiersAreQuoted() {
        let query: PostgresQuery = "LISTEN \(identifier: "a\"; DROP TABLE x; --")"
        #expect(query.sql == "LISTEN \"a\"\"; DROP TABLE x; --\"")
        #expect(query.bindings.count == 0)
    }
}
