import BenefitScheduler
import Foundation
import Testing

@Suite("JSON values and decimal text")
struct JSONValueTests {
    @Test("canonical text sorts keys, drops whitespace and escapes only what JSON requires")
    func canonicalText() {
        let value: JSONValue = [
            "b": [1, "two", true, nil],
            "a": ["z": .number(Decimal.yuan("1200.50")), "y": "冬\"送\"\n\u{01}"],
            "": .emptyObject,
        ]
        #expect(value.canonicalText == #"{"":{},"a":{"y":"冬\"送\"\n\u0001","z":1200.5},"b":[1,"two",true,null]}"#)
    }

    @Test("numbers are written in their shortest exact plain form", arguments: [
        ("1200.50", "1200.5"), ("5000000", "5000000"), ("1e6", "1000000"), ("0.00001", "0.00001"),
        ("-3", "-3"), ("-0", "0"), ("12345678901234567890.123", "12345678901234567890.123"),
    ])
    func numberText(written: String, canonical: String) {
        #expect(JSONValue.number(Decimal.yuan(written)).canonicalText == canonical)
    }

    @Test("equal numbers written differently are equal values with equal hashes")
    func numberEquality() {
        let a = JSONValue.number(Decimal.yuan("1200.50"))
        let b = JSONValue.number(Decimal.yuan("1200.5"))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
    }

    @Test("encoding and decoding with JSONEncoder keeps numbers exact, and .sortedKeys sorts them")
    func codableRoundTrip() throws {
        let value: JSONValue = [
            "amount": .number(Decimal.yuan("12345678901234567890.123")),
            "tenth": .number(Decimal.yuan("0.1")),
            "list": [.null, false, "x", ["nested": []]],
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try encoder.encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: encoded) == value)
        let text = try #require(String(data: encoded, encoding: .utf8))
        #expect(text.firstRange(of: "amount")!.lowerBound < text.firstRange(of: "list")!.lowerBound)
        #expect(text.firstRange(of: "list")!.lowerBound < text.firstRange(of: "tenth")!.lowerBound)
    }

    @Test("decimal text accepts plain decimals and refuses what would need rounding or is not decimal", arguments: [
        ("500", "500"), ("-3", "-3"), ("+7", "7"), ("1200.50", "1200.5"), (".5", "0.5"), ("1.", "1"),
        ("1e6", "1000000"), ("2.5E-3", "0.0025"), ("5_000_000", "5000000"), ("0", "0"), ("0.0", "0"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ])
    func decimalTextAccepts(text: String, expected: String) {
        #expect(DecimalText.parse(text).map { JSONValue.number($0).canonicalText } == expected)
    }

    @Test("decimal text refuses", arguments: [
        "", "-", ".", "010", "007", "0x1F", "1:30", ".inf", "NaN", "1e", "1e1000", "12abc", "1.2.3",
        "123456789012345678901234567890123456789", "1e-120",
    ])
    func decimalTextRefuses(text: String) {
        #expect(DecimalText.parse(text) == nil)
    }

    @Test("YAML scalars follow the 1.2 core schema inside parameters")
    func yamlScalarsInParameters() throws {
        let flags = ["yes", "no", "on", "true", "False", "~", "010", "0x1F", "9:30", "'12'", "1_000", "2027-03-01", "\"1200.50\"", "1200.50"]
        let file = """
            name: relief
            program: test-program
            schedule: { timezone: UTC, cron: "0 9 * * MON" }
            parameters:
              season: winter-warmth
              amounts: { "1": 100 }
              eligibility:
                flags:
            \(flags.map { "      - \($0)" }.joined(separator: "\n"))
            """
        let campaign = try CampaignFixtures.parse(file)
        #expect(campaign.parameters["eligibility"]?["flags"] == [
            "yes", "no", "on", true, false, nil, "010", "0x1F", "9:30", "12", 1000, "2027-03-01", "1200.50",
            .number(Decimal.yuan("1200.5")),
        ])
    }
}
