@testable import BenefitScheduler
import Foundation
import Testing

@Suite("Runs: campaign definitions decoded once per revision")
struct DecodedDefinitionsTests {
    @Test("a revision's text decodes to its definition once, is kept, and the cache starts over at its limit; a bad text is refused and not kept")
    func definitionsAreKeptByText() throws {
        let definitions = DecodedDefinitions()
        let weekly = try CampaignFixtures.parse(CampaignFixtures.minimal())
        let json = weekly.canonicalJSON
        #expect(try definitions.definition(from: json) == weekly)
        #expect(try definitions.definition(from: json) == weekly)
        #expect(definitions.count == 1)

        let daily = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: \"0 9 * * *\""))
        #expect(try definitions.definition(from: daily.canonicalJSON) == daily)
        #expect(definitions.count == 2)

        #expect(throws: DecodingError.self) { try definitions.definition(from: #"{"name": "broken"}"#) }
        #expect(definitions.count == 2)

        // Names differ, texts differ: each is kept until the limit, then the cache starts over.
        func named(_ name: String) throws -> String {
            try CampaignFixtures.parse(CampaignFixtures.minimal().replacingOccurrences(of: "name: minimal", with: "name: \(name)")).canonicalJSON
        }
        for index in 0..<(DecodedDefinitions.limit - 2) {
            #expect(try definitions.definition(from: named("m-\(index)")).name == "m-\(index)")
        }
        #expect(definitions.count == DecodedDefinitions.limit)
        #expect(try definitions.definition(from: json) == weekly)
        #expect(definitions.count == DecodedDefinitions.limit)
        #expect(try definitions.definition(from: named("m-next")).name == "m-next")
        #expect(definitions.count == 1)
    }
}
