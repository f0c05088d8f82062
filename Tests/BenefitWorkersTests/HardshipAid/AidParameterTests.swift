import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Testing

/// The `hardship-aid` parameters block: what operators write, and how a mistake is reported.
@Suite("Hardship aid: campaign parameters")
struct AidParameterTests {
    @Test("the example campaign in ops/campaigns is valid")
    func exampleIsValid() throws {
        let example = try ProgramFixtures.exampleCampaign("hardship-aid")
        #expect(example.program == HardshipAidProgram.name)
    }

    @Test("every mistake is reported at its path", arguments: [
        ("{ fund: f, employment: [staff], categories: { illness: 100 }, yearlyCap: 1000 }",
         ["parameters.dualReviewAbove: required: yuan above which an approval needs a second reviewer"]),
        ("{ fund: f, employment: [boss], categories: { illness: 100 }, yearlyCap: 1000, dualReviewAbove: 10 }",
         ["parameters.employment[0]: expected one of staff, retired, migrant, gig, got \"boss\""]),
        ("{ fund: f, employment: [staff], categories: { Illness: 100, disaster: -5 }, yearlyCap: 1000, dualReviewAbove: 10 }",
         ["parameters.categories.Illness: \"Illness\" is not a category name: lowercase letters, digits and -, starting with a letter, at most 40",
          "parameters.categories.disaster: expected a positive number of yuan with at most 2 decimals, got -5"]),
        ("{ fund: f, employment: [staff], categories: {}, yearlyCap: 1000.001, dualReviewAbove: 10, extra: 1 }",
         ["parameters.extra: unknown key (known keys: fund, employment, categories, yearlyCap, dualReviewAbove)", "parameters.categories: expected at least one category, such as { illness: 20000 }",
          "parameters.yearlyCap: expected a positive number of yuan with at most 2 decimals, got 1000.001"]),
    ])
    func mistakesAreReportedAtTheirPath(parameters: String, expected: [String]) {
        let problems = ProgramFixtures.problems(inFile: AidFixtures.campaignYAML().replacingOccurrences(
            of: "parameters: " + AidFixtures.parameters, with: "parameters: " + parameters))
        #expect(problems == expected)
    }
}
