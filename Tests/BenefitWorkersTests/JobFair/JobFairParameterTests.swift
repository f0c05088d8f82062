import BenefitCore
import BenefitScheduler
@testable import BenefitWorkers
import Foundation
import Testing

/// job-fair's `parameters`: what is accepted, the defaults, and every problem by path.
@Suite("Job fairs: parameters")
struct JobFairParameterTests {
    static func problems(_ parameters: String) -> [String] {
        ProgramFixtures.problems(inFile: JobFairFixtures.campaignYAML(name: "job-fairs", parameters: parameters))
    }

    static func stored(_ parameters: JSONValue) throws -> JobFairParameters {
        try CampaignValueReader.readStored(parameters, campaign: "job-fairs", program: JobFairProgram.name) { $0.jobFairParameters($1) }
    }

    static let fair = "{ name: 城东区春风行动专场招聘会, district: 城东区, date: 2027-02-24, capacity: 300 }"

    @Test("good parameter blocks have no problem", arguments: [
        "{ employment: [migrant, gig, staff], rankBy: [frontline, hardship], seed: 2027, fairs: [\(fair), { name: 二场, district: 城东区, date: 2027-02-24, capacity: 1 }] }",
        "{ fairs: [\(fair)] }",
        "{ fairs: [\(fair)], rankBy: [], seed: -3 }",
    ])
    func goodBlocks(_ parameters: String) {
        #expect(Self.problems(parameters) == [])
    }

    @Test("bad parameter blocks report every problem with its path", arguments: [
        ("{ fair: [] }",
         ["parameters.fair: unknown key (known keys: employment, fairs, rankBy, seed)",
          "parameters.fairs: required: the fairs, such as [{ name: 城东区春风行动专场招聘会, district: 城东区, date: 2027-02-24, capacity: 300 }]"]),
        ("{ fairs: [], employment: [gig, boss], rankBy: [hardship, seniority, hardship], seed: 1.5 }",
         ["parameters.fairs: expected a non-empty list of fairs, got an empty list",
          #"parameters.employment[1]: expected one of staff, retired, migrant, gig, got "boss""#,
          #"parameters.rankBy[1]: expected one of hardship, frontline, got "seniority""#,
          "parameters.rankBy[2]: hardship is already listed at parameters.rankBy[0]",
          "parameters.seed: expected the tie-break's seed (a whole number), got 1.5"]),
        ("{ fairs: [\(fair), { name: 城东区春风行动专场招聘会, district: 城东区, date: 2027-02-30, capacity: 0 }, { name: x, places: 3 }] }",
         ["parameters.fairs[1].name: fair 城东区春风行动专场招聘会 is already listed at parameters.fairs[0]",
          "parameters.fairs[1].date: expected a date of the form YYYY-MM-DD, got",
          "parameters.fairs[1].capacity: 0 is out of range: the fair's places must be from 1 to 100000"]),
    ])
    func badBlocks(_ parameters: String, _ expected: [String]) {
        let problems = Self.problems(parameters)
        for line in expected { #expect(problems.contains { $0.hasPrefix(line) }, "\(line)\nin:\n\(problems.joined(separator: "\n"))") }
    }

    @Test("a fair without district, date or capacity, or with an unknown key, is named by its path")
    func incompleteFair() {
        let problems = Self.problems("{ fairs: [{ name: x, places: 3 }] }")
        #expect(problems.contains { $0.hasPrefix("parameters.fairs[0].places: unknown key") }, "\(problems)")
        for key in ["district", "date", "capacity"] {
            #expect(problems.contains { $0.hasPrefix("parameters.fairs[0].\(key): required") }, "\(key): \(problems)")
        }
    }

    @Test("defaults: migrant and gig workers, hardship then frontline, seed 0")
    func defaults() throws {
        let block = try CampaignFile.parse(
            text: JobFairFixtures.campaignYAML(name: "job-fairs", parameters: "{ fairs: [{ name: f, district: 城东区, date: 2027-02-24, capacity: 3 }] }"),
            fileName: "f.yaml", validators: BenefitPrograms.catalog.validators).parameters
        let parameters = try Self.stored(block)
        #expect(parameters.employment == [.migrant, .gig])
        #expect(parameters.rankBy == [.hardship, .frontline])
        #expect(parameters.seed == 0)
        #expect(parameters.fairs == [.init(name: "f", district: "城东区", date: CalendarDate("2027-02-24")!, capacity: 3)])
    }

    @Test("the example campaign in ops/campaigns is valid and fires in February")
    func exampleCampaign() throws {
        let definition = try ProgramFixtures.exampleCampaign("spring-job-fairs")
        #expect(definition.program == "job-fair")
        let parameters = try Self.stored(definition.parameters)
        #expect(Set(parameters.fairs.map(\.district)) == ["城东区", "城西区", "高新区", "临港区"])
        #expect(parameters.fairs.allSatisfy { $0.date.month == 2 || $0.date.month == 3 })
    }
}

/// The placement plan by groups: each district's ranks into its own fairs.
@Suite("Job fairs: placement plan by district")
struct GroupedPlacementPlanTests {
    @Test("each group's ranks follow the previous group's, and go only to its own sessions")
    func groupsPlanTheirOwnRanks() {
        let plan = PlacementPlan.plan(groups: [
            .init(members: 5, sessions: [.init(position: 1, capacity: 3, placesTaken: 1), .init(position: 3, capacity: 10, placesTaken: 0)]),
            .init(members: 4, sessions: [.init(position: 2, capacity: 2, placesTaken: 0)]),
            .init(members: 2, sessions: [.init(position: 4, capacity: 5, placesTaken: 5)]),
            .init(members: 1, sessions: [.init(position: 5, capacity: 5, placesTaken: 0)]),
        ])
        #expect(plan.shares == [
            .init(position: 1, firstRank: 1, lastRank: 2, firstSeat: 2),
            .init(position: 3, firstRank: 3, lastRank: 5, firstSeat: 1),
            .init(position: 2, firstRank: 6, lastRank: 7, firstSeat: 1),
            // Ranks 8 and 9 (the second group's overflow) and 10, 11 (a full fair) are waitlisted.
            .init(position: 5, firstRank: 12, lastRank: 12, firstSeat: 1),
        ])
        #expect(plan.placed == 8)
        #expect(PlacementPlan.plan(groups: []).shares == [])
    }
}
