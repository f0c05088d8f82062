import BenefitScheduler
import BenefitWorkers
import Foundation
import Testing

/// seasonal-relief's `parameters`: what is accepted, and every problem by path.
@Suite("Seasonal relief: parameters")
struct ReliefParameterTests {
    /// `PATH: MESSAGE` for each problem the real program finds, in the order reported.
    static func problems(_ parameters: String) -> [String] {
        ProgramFixtures.problems(inFile: ReliefFixtures.campaignYAML(name: "relief", parameters: parameters))
    }

    @Test("good parameter blocks have no problem", arguments: [
        #"{ season: winter-warmth, eligibility: { hardshipTier: [1, 2, 3] }, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 5000000 }"#,
        // Defaults: winter-warmth is tiers 1-3; unquoted tier keys; digits grouped.
        "{ season: winter-warmth, amounts: { 1: 2000, 2: 1200, 3: 800 }, budget: 5_000_000 }",
        // summer-cooling defaults to frontline, which needs a flat amount.
        "{ season: summer-cooling, amount: 300, budget: 100000 }",
        // autumn-education defaults to childInCollege; tier 1 gets more.
        #"{ season: autumn-education, amounts: { "1": 5000 }, amount: 3000, employment: [staff, retired], budget: 600000 }"#,
        #"{ season: spring-jobs, amounts: { "1": 1500, "2": 1000, "3": 600 }, budget: 200000 }"#,
        #"{ season: winter-warmth, eligibility: { hardshipTier: [1], frontline: true }, amounts: { "1": 2000 }, amount: 1200.50, budget: 1000000.25 }"#,
        // A flat amount pays every eligible tier; a budget of exactly one grant is enough.
        "{ season: winter-warmth, eligibility: { hardshipTier: [2, 1], childInCollege: false }, amount: 800, budget: 800 }",
    ])
    func goodBlocks(_ parameters: String) {
        #expect(Self.problems(parameters) == [])
    }

    @Test("bad parameter blocks report every problem with its path", arguments: [
        (#"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800, "4": 500 }, budget: 5000000 }"#,
         ["parameters.amounts.4: tier 4 does not exist"]),
        (#"{ season: winter-warmth, amounts: { "0": 1, "x": 2, "01": 3 }, amount: 5, budget: 5000000 }"#,
         ["parameters.amounts.0: tier 0 does not exist", "parameters.amounts.x: tier x does not exist",
          "parameters.amounts.01: tier 01 does not exist"]),
        (#"{ amounts: { "1": 2000 } }"#,
         ["parameters.season: required: one of spring-jobs, summer-cooling, autumn-education, winter-warmth",
          "parameters.budget: required: yuan the campaign may spend per cycle"]),
        ("{ season: winter, amount: 800, budget: 10000 }",
         [#"parameters.season: expected one of spring-jobs, summer-cooling, autumn-education, winter-warmth, got "winter""#]),
        ("{ season: Winter-Warmth, amount: 800, budget: 10000 }",
         [#"parameters.season: expected one of spring-jobs, summer-cooling, autumn-education, winter-warmth, got "Winter-Warmth" (did you mean winter-warmth?)"#]),
        (#"{ season: winter-warmth, eligibility: { hardshipTier: [1, 2] }, amounts: { "1": 2000 }, budget: 10000 }"#,
         ["parameters.amounts.2: required: yuan for tier 2, which is eligible (eligibility.hardshipTier)"]),
        (#"{ season: winter-warmth, amounts: { "1": 2000, "3": 800 }, budget: 10000 }"#,
         ["parameters.amounts.2: required: yuan for tier 2, which is eligible (the winter-warmth default eligibility)"]),
        (#"{ season: summer-cooling, amounts: { "1": 500 }, budget: 10000 }"#,
         ["parameters.amount: required: the summer-cooling default eligibility (frontline) admits members who have no tier in amounts; they get this flat amount"]),
        (#"{ season: winter-warmth, eligibility: { hardshipTier: [1], frontline: true, childInCollege: true }, amounts: { "1": 2000 }, budget: 10000 }"#,
         ["parameters.amount: required: eligibility by frontline and childInCollege admits members who have no tier in amounts; they get this flat amount"]),
        ("{ season: winter-warmth, budget: 10000 }",
         ["parameters.amounts: required: yuan per member by tier, or a flat amount"]),
        ("{ season: winter-warmth, amount: 800, budget: 10000, budgett: 5, Eligibility: { frontline: true } }",
         ["parameters.budgett: unknown key (known keys: season, eligibility, employment, amounts, amount, budget)",
          "parameters.Eligibility: unknown key (did you mean eligibility?)"]),
        (#"{ season: winter-warmth, eligibility: { hardshipTier: [0, 2, 2, "x"], frontline: yes, college: true }, amount: 800, budget: 10000 }"#,
         ["parameters.eligibility.college: unknown key (known keys: hardshipTier, frontline, childInCollege)",
          "parameters.eligibility.hardshipTier[0]: tier 0 does not exist",
          "parameters.eligibility.hardshipTier[2]: 2 is already listed at parameters.eligibility.hardshipTier[1]",
          #"parameters.eligibility.hardshipTier[3]: expected a tier (1, 2 or 3), got "x""#,
          #"parameters.eligibility.frontline: expected true or false, got "yes""#]),
        ("{ season: winter-warmth, eligibility: { frontline: false }, amount: 800, budget: 10000 }",
         ["parameters.eligibility: no criterion: give hardshipTier, frontline: true or childInCollege: true"]),
        ("{ season: winter-warmth, eligibility: { hardshipTier: [] }, amount: 800, budget: 10000 }",
         ["parameters.eligibility.hardshipTier: expected a non-empty list of tiers (1, 2, 3), got an empty list"]),
        ("{ season: winter-warmth, eligibility: [1, 2], amount: 800, budget: 10000 }",
         ["parameters.eligibility: expected a mapping of hardshipTier, frontline, childInCollege (such as { hardshipTier: [1, 2, 3] }), got a list"]),
        (#"{ season: winter-warmth, amounts: { "1": -5, "2": 12.345, "3": "800" }, budget: 10000 }"#,
         ["parameters.amounts.1: expected a positive number of yuan with at most 2 decimals, got -5",
          "parameters.amounts.2: expected a positive number of yuan with at most 2 decimals, got 12.345",
          #"parameters.amounts.3: expected a positive number of yuan with at most 2 decimals, got "800""#]),
        ("{ season: winter-warmth, amount: 10000000000, budget: 0 }",
         ["parameters.amount: 10000000000 is out of range: the flat amount must be from 0.01 to 9999999999.99",
          "parameters.budget: expected a positive number of yuan with at most 2 decimals, got 0"]),
        (#"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 799.99 }"#,
         ["parameters.budget: 799.99 yuan cannot pay a single grant (the smallest amount is 800)"]),
        ("{ season: summer-cooling, employment: [staff, boss, staff], amount: 300, budget: 10000 }",
         [#"parameters.employment[1]: expected one of staff, retired, migrant, gig, got "boss""#,
          "parameters.employment[2]: staff is already listed at parameters.employment[0]"]),
        ("{ season: summer-cooling, employment: staff, amount: 300, budget: 10000 }",
         [#"parameters.employment: expected a non-empty list of employment types (staff, retired, migrant, gig), got "staff""#]),
    ])
    func badBlocks(_ parameters: String, _ expected: [String]) {
        #expect(Self.problems(parameters) == expected)
    }

    @Test("a problem is placed at the line of its key, as the design's example shows")
    func problemLine() throws {
        let file = """
            name: winter-warmth
            program: seasonal-relief
            schedule:
              timezone: Asia/Shanghai
              lunar: "12-16 09:00"
            parameters:
              season: winter-warmth
              eligibility: { hardshipTier: [1, 2, 3] }
              amounts:
                "1": 2000
                "2": 1200
                "3": 800
                "4": 600
              budget: 5000000
            """
        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFile.parse(text: file, fileName: "winter.yaml", validators: BenefitPrograms.catalog.validators)
        }
        #expect(error?.description == "winter.yaml:13: parameters.amounts.4: tier 4 does not exist")
    }

    @Test("a block that is not a mapping is one problem")
    func notAMapping() {
        #expect(ProgramFixtures.problems(of: SeasonalReliefProgram(), inStored: [1, 2])
            == ["parameters: expected a mapping of season, eligibility, employment, amounts, amount, budget, got a list"])
    }

    @Test("each season's defaults: who is eligible and which employment types")
    func seasonDefaults() {
        #expect(ReliefSeason.winterWarmth.defaultEligibility == ReliefEligibility(hardshipTiers: [1, 2, 3]))
        #expect(ReliefSeason.springJobs.defaultEligibility == ReliefEligibility(hardshipTiers: [1, 2, 3]))
        #expect(ReliefSeason.summerCooling.defaultEligibility == ReliefEligibility(frontline: true))
        #expect(ReliefSeason.autumnEducation.defaultEligibility == ReliefEligibility(childInCollege: true))
        #expect(ReliefSeason.springJobs.defaultEmployment == [.migrant, .gig])
        #expect(ReliefSeason.winterWarmth.defaultEmployment == Member.Employment.allCases)
    }

    @Test("the example campaigns in ops/campaigns are valid", arguments: ["winter-warmth", "summer-cooling", "autumn-education"])
    func exampleCampaigns(_ name: String) throws {
        let definition = try ProgramFixtures.exampleCampaign(name)
        #expect(definition.name == name)
        #expect(definition.program == "seasonal-relief")
    }
}

/// The greedy allotment, as plain arithmetic.
@Suite("Seasonal relief: allotment")
struct ReliefAllotmentTests {
    @Test("one amount for everyone: the budget pays ⌊remaining ÷ amount⌋ members, the largest total that fits")
    func oneAmount() {
        let plan = ReliefAllotment.plan(tiers: [(tier: 3, eligible: 20_000, amount: 800)], remaining: 7_000 * 800 + 500)
        #expect(plan.shares == [.init(tier: 3, amount: 800, eligible: 20_000, grants: 7_000, remainingAfter: 500)])
        #expect(plan.total == 5_600_000)
    }

    @Test("tiers in rank order; a tier that no longer fits does not stop a cheaper one after it")
    func greedyAcrossTiers() {
        let plan = ReliefAllotment.plan(
            tiers: [(tier: 1, eligible: 2_000, amount: 2_000), (tier: 2, eligible: 4_000, amount: 1_200),
                    (tier: 3, eligible: 6_000, amount: 800), (tier: nil, eligible: 100, amount: 500)],
            remaining: 11_000_700)
        #expect(plan.shares.map(\.grants) == [2_000, 4_000, 2_750, 1])
        #expect(plan.shares.map(\.remainingAfter) == [7_000_700, 2_200_700, 700, 200])
        #expect(plan.total == 11_000_500)
    }

    @Test("a budget that pays everyone leaves the rest; one that pays no one grants none")
    func everyoneOrNoOne() {
        #expect(ReliefAllotment.plan(tiers: [(tier: 1, eligible: 3, amount: 100)], remaining: 1_000).shares.first?.grants == 3)
        #expect(ReliefAllotment.plan(tiers: [(tier: 1, eligible: 3, amount: 100)], remaining: 99).shares.first?.grants == 0)
        #expect(ReliefAllotment.plan(tiers: [], remaining: 99).total == 0)
    }

    @Test("how many fit is exact for decimal amounts", arguments: [
        ("0.03", "0.09", 3), ("1200.50", "3601.50", 3), ("1200.50", "3601.49", 2), ("3", "1000", 333), ("0.01", "999999999999.99", 99_999_999_999_999),
    ])
    func exactDivision(_ amount: String, _ remaining: String, _ expected: Int) {
        #expect(ReliefAllotment.plan(tiers: [(tier: nil, eligible: Int.max, amount: .yuan(amount))], remaining: .yuan(remaining)).shares.first?.grants == expected)
    }
}
