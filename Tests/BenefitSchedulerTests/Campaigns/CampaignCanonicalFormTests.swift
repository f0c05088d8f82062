import BenefitScheduler
import Foundation
import Testing

@Suite("Campaign files: canonical form and stored round trip")
struct CampaignCanonicalFormTests {
    /// The design's example rewritten: keys reordered, comments changed, flow and block styles swapped,
    /// quoting changed, defaults written out or left out, and the same `at`-free schedule.
    static let reorderedExample = """
        # Winter relief, reordered by hand.
        parameters:
          budget: 5_000_000
          amounts:
            "3": 800.00
            "2": 1200
            "1": 2000
          eligibility:
            hardshipTier: [1, 2, 3]
          season: "winter-warmth"
        cycle: yearly
        execution:
          concurrency: 8
          backoff:
            max: 600s
          queue: "relief"
          lease: 1m
        schedule:
          overlap: skip
          window:
            until: "2027-03-31"
            from: 2026-11-01
          lunar: 12-16 09:00
          timezone: "Asia/Shanghai"
        program: seasonal-relief
        title: "冬送温暖 2026"
        name: 'winter-warmth'
        """

    @Test("a re-ordered, re-commented, re-styled file has the same definition and canonical JSON")
    func equivalentFilesAgree() throws {
        let original = try CampaignFixtures.parse(CampaignFixtures.designExample)
        let reordered = try CampaignFixtures.parse(Self.reorderedExample)
        #expect(reordered == original)
        #expect(reordered.canonicalJSON == original.canonicalJSON)
    }

    @Test("a real change changes the canonical JSON", arguments: [
        ("batchSize: 500", "batchSize: 400"),
        (#""2": 1200"#, #""2": 1200.5"#),
        ("catchUp: latest", "catchUp: all"),
        ("until: 2027-03-31", "until: 2027-03-30"),
        (#"lunar: "12-16 09:00""#, #"lunar: "12-16 09:30""#),
        ("title: 冬送温暖 2026", "title: 冬送温暖 2027"),
        ("hardshipTier: [1, 2, 3]", "hardshipTier: [1, 3, 2]"),
    ])
    func realChangeIsSeen(before: String, after: String) throws {
        let original = try CampaignFixtures.parse(CampaignFixtures.designExample)
        let changedText = CampaignFixtures.designExample.replacing(before, with: after)
        #expect(changedText != CampaignFixtures.designExample, "the fixture must contain \(before)")
        let changed = try CampaignFixtures.parse(changedText)
        #expect(changed.canonicalJSON != original.canonicalJSON)
    }

    @Test("the canonical JSON of the design's example, in full")
    func canonicalText() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.designExample)
        #expect(campaign.canonicalJSON == """
            {"cycle":"yearly","execution":{"backoff":{"initial":"10s","max":"10m"},"batchSize":500,"concurrency":8,\
            "lease":"1m","maxAttempts":5,"priority":0,"queue":"relief"},"name":"winter-warmth","parameters":{"amounts":\
            {"1":2000,"2":1200,"3":800},"budget":5000000,"eligibility":{"hardshipTier":[1,2,3]},"season":"winter-warmth"},\
            "program":"seasonal-relief","schedule":{"catchUp":"latest","lunar":"12-16 09:00","overlap":"skip",\
            "timezone":"Asia/Shanghai","window":{"from":"2026-11-01","until":"2027-03-31"}},"title":"冬送温暖 2026"}
            """)
    }

    @Test("decimal amounts stay exact from the file to the stored form and back")
    func decimalAmountsStayExact() throws {
        let file = CampaignFixtures.designExample
            .replacing(#""2": 1200"#, with: #""2": 1200.50"#)
            .replacing(#""3": 800"#, with: #""3": 0.1"#)
        let campaign = try CampaignFixtures.parse(file)
        #expect(campaign.parameters["amounts"]?["2"] == .number(Decimal.yuan("1200.50")))
        #expect(campaign.parameters["amounts"]?["3"] == .number(Decimal.yuan("0.1")))
        #expect(campaign.canonicalJSON.contains(#""amounts":{"1":2000,"2":1200.5,"3":0.1}"#))

        let stored = try JSONEncoder().encode(campaign)
        let readBack = try JSONDecoder().decode(CampaignDefinition.self, from: stored)
        let amount = try #require(readBack.parameters["amounts"]?["2"]?.numberValue)
        // Through a Double, 1200.50 × 3 would not be exactly 3601.5.
        #expect(amount * 3 == Decimal.yuan("3601.5"))
        #expect(readBack.parameters["amounts"]?["3"]?.numberValue == Decimal.yuan("0.1"))
    }

    @Test("a definition survives JSON encoding and decoding unchanged", arguments: [
        CampaignFixtures.designExample,
        CampaignFixtures.minimal(),
        CampaignFixtures.minimal(schedule: "at: 2026-12-20T09:00:00+08:00", timezone: "UTC"),
        CampaignFixtures.minimal("execution: { lease: 1500ms, backoff: { initial: 0s, max: 1m30s } }\ncycle: run",
                                 schedule: "cron: \"*/15  9-17 * * MON-FRI\"\n  window: { from: 2026-01-01 }\n  overlap: allow"),
        CampaignFixtures.minimal("execution: { timeout: 90s, concurrency: 4 }"),
    ])
    func codableRoundTrip(file: String) throws {
        let campaign = try CampaignFixtures.parse(file)
        let readBack = try JSONDecoder().decode(CampaignDefinition.self, from: JSONEncoder().encode(campaign))
        #expect(readBack == campaign)
        #expect(readBack.canonicalJSON == campaign.canonicalJSON)
    }

    @Test("the canonical JSON is itself a campaign file that reads to the same definition")
    func canonicalJSONIsAFile() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.designExample)
        #expect(try CampaignFixtures.parse(campaign.canonicalJSON) == campaign)
    }

    @Test("decoding a stored form that is not a valid definition fails with its problems")
    func invalidStoredForm() throws {
        let json = Data(#"{"name":"Bad Name","program":"x","schedule":{"timezone":"UTC"}}"#.utf8)
        let error = #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CampaignDefinition.self, from: json)
        }
        guard case .dataCorrupted(let context) = error else { Issue.record("expected dataCorrupted, got \(String(describing: error))"); return }
        #expect(context.debugDescription.contains("name: \"Bad Name\" is not a valid name"))
        #expect(context.debugDescription.contains("schedule: one of cron, lunar or at is required"))
    }

    @Test("a timeout is in the canonical form only when set: files without one keep their canonical text, a new one is a change")
    func timeoutInTheCanonicalForm() throws {
        let without = try CampaignFixtures.parse(CampaignFixtures.minimal())
        let null = try CampaignFixtures.parse(CampaignFixtures.minimal("execution: { timeout: null }"))
        let with = try CampaignFixtures.parse(CampaignFixtures.minimal("execution: { timeout: 90s }"))
        #expect(!without.canonicalJSON.contains("timeout"))
        #expect(null.canonicalJSON == without.canonicalJSON)
        #expect(with.canonicalJSON.contains(#""timeout":"90s""#))
        #expect(try CampaignFixtures.parse(with.canonicalJSON) == with)
    }
}
