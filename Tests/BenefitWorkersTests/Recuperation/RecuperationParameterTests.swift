import BenefitCore
import BenefitScheduler
@testable import BenefitWorkers
import Foundation
import Testing

/// recuperation's `parameters`: what is accepted, the defaults, and every problem by path.
@Suite("Recuperation: parameters")
struct RecuperationParameterTests {
    /// `PATH: MESSAGE` for each problem the real program finds, in the order reported.
    static func problems(_ parameters: String) -> [String] {
        ProgramFixtures.problems(inFile: RecuperationFixtures.campaignYAML(name: "recuperation", parameters: parameters))
    }

    /// Parameters as a run reads them from the stored definition.
    static func stored(_ parameters: JSONValue) throws -> RecuperationParameters {
        try CampaignValueReader.readStored(parameters, campaign: "recuperation", program: RecuperationProgram.name) { $0.recuperationParameters($1) }
    }

    static let site = "{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 40 }] }"

    @Test("good parameter blocks have no problem", arguments: [
        """
        { employment: [staff, migrant], minServiceYears: 3, notWithinYears: 5,
          sites: [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 40 }, { start: 2027-04-13, days: 5, capacity: 40 }] },
                  { name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 30 }] }],
          rankBy: [frontline, modelWorker, yearsSinceLast, serviceYears], seed: 2027 }
        """,
        // Only sites is required.
        "{ sites: [\(site)] }",
        // Any subset of the criteria in any order; none at all is a draw by the seed.
        "{ sites: [\(site)], rankBy: [serviceYears, frontline], seed: -3 }",
        "{ sites: [\(site)], rankBy: [], minServiceYears: 60, notWithinYears: 100 }",
        // Two sites may have a session on the same day; the bounds are inclusive.
        "{ sites: [\(site), { name: 尚湖, sessions: [{ start: 2027-04-06, days: 60, capacity: 100000 }, { start: 2027-04-07, days: 1, capacity: 1 }] }] }",
    ])
    func goodBlocks(_ parameters: String) {
        #expect(Self.problems(parameters) == [])
    }

    @Test("bad parameter blocks report every problem with its path", arguments: [
        ("{ site: [] }",
         ["parameters.site: unknown key (known keys: employment, minServiceYears, notWithinYears, sites, rankBy, seed)",
          "parameters.sites: required: the sites and their sessions, such as [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 40 }] }]"]),
        ("{ sites: [], Seed: 1, rank_by: [frontline] }",
         ["parameters.Seed: unknown key (did you mean seed?)", "parameters.rank_by: unknown key (did you mean rankBy?)",
          "parameters.sites: expected a non-empty list of sites, got an empty list"]),
        ("{ sites: [\(site)], employment: [staff, boss, staff], minServiceYears: 61, notWithinYears: -1, seed: 1.5 }",
         [#"parameters.employment[1]: expected one of staff, retired, migrant, gig, got "boss""#,
          "parameters.employment[2]: staff is already listed at parameters.employment[0]",
          "parameters.minServiceYears: 61 is out of range: the years of service required must be from 0 to 60",
          "parameters.notWithinYears: -1 is out of range: the years since the last trip required must be from 0 to 100",
          "parameters.seed: expected the tie-break's seed (a whole number), got 1.5"]),
        ("{ sites: [\(site)], rankBy: [frontline, seniority, frontline] }",
         [#"parameters.rankBy[1]: expected one of frontline, modelWorker, yearsSinceLast, serviceYears, got "seniority""#,
          "parameters.rankBy[2]: frontline is already listed at parameters.rankBy[0]"]),
        ("{ sites: [\(site)], rankBy: frontline }",
         [#"parameters.rankBy: expected a list of ranking criteria (frontline, modelWorker, yearsSinceLast, serviceYears), got "frontline""#]),
        ("{ sites: [\(site), { name: 沙家浜, sessions: [] }, { sessions: [{ start: 2027-04-06, days: 5, capacity: 1 }], beds: 3 }, 5] }",
         ["parameters.sites[1].name: site 沙家浜 is already listed at parameters.sites[0]",
          "parameters.sites[1].sessions: expected a non-empty list of sessions, got an empty list",
          "parameters.sites[2].beds: unknown key (known keys: name, sessions)",
          "parameters.sites[2].name: required: the site's name",
          "parameters.sites[3]: expected a mapping of name, sessions (such as { name: 沙家浜, sessions: [...] }), got 5"]),
        ("""
         { sites: [{ name: 尚湖, sessions: [
             { start: 2027-05-11, days: 5, capacity: 30 },
             { start: 2027-05-11, days: 0, capacity: 100001 },
             { start: 2027-02-30, days: 61, capacity: 0, end: 2027-03-01 },
             { days: 5 },
             { start: 2300-01-01, days: 5, capacity: 2.5 } ] }] }
         """,
         ["parameters.sites[0].sessions[1].start: a session starting 2027-05-11 is already listed at parameters.sites[0].sessions[0]",
          "parameters.sites[0].sessions[1].days: 0 is out of range: the session's days must be from 1 to 60",
          "parameters.sites[0].sessions[1].capacity: 100001 is out of range: the session's places must be from 1 to 100000",
          "parameters.sites[0].sessions[2].end: unknown key (known keys: start, days, capacity)",
          #"parameters.sites[0].sessions[2].start: expected a date of the form YYYY-MM-DD, got "2027-02-30""#,
          "parameters.sites[0].sessions[2].days: 61 is out of range: the session's days must be from 1 to 60",
          "parameters.sites[0].sessions[2].capacity: 0 is out of range: the session's places must be from 1 to 100000",
          "parameters.sites[0].sessions[3].start: required: the session's first day",
          "parameters.sites[0].sessions[3].capacity: required: how many members it takes",
          "parameters.sites[0].sessions[4].start: 2300-01-01 is out of range: the session's start must be from 1950-01-01 to 2200-12-31",
          "parameters.sites[0].sessions[4].capacity: expected the session's places (a whole number), got 2.5"]),
    ])
    func badBlocks(_ parameters: String, _ expected: [String]) {
        #expect(Self.problems(parameters) == expected)
    }

    @Test("a block that is not a mapping is one problem")
    func notAMapping() {
        #expect(ProgramFixtures.problems(of: RecuperationProgram(), inStored: [1, 2]) == ["parameters: expected a mapping of employment, minServiceYears, notWithinYears, sites, rankBy, seed, got a list"])
    }

    @Test("defaults: working members, no minimum service, no limit on the last trip, all four criteria, seed 0")
    func defaults() throws {
        let block = try CampaignFile.parse(
            text: RecuperationFixtures.campaignYAML(name: "recuperation", parameters: "{ sites: [\(Self.site)] }"), fileName: "f.yaml", validators: BenefitPrograms.catalog.validators).parameters
        let parameters = try Self.stored(block)
        #expect(parameters.employment == [.staff, .migrant, .gig])
        #expect(parameters.minServiceYears == 0)
        #expect(parameters.notWithinYears == 0)
        #expect(parameters.rankBy == [.frontline, .modelWorker, .yearsSinceLast, .serviceYears])
        #expect(parameters.seed == 0)
        #expect(parameters.sites == [.init(name: "沙家浜", sessions: [.init(start: CalendarDate("2027-04-06")!, days: 5, capacity: 40)])])
    }

    @Test("the example campaign in ops/campaigns is valid")
    func exampleCampaign() throws {
        let definition = try ProgramFixtures.exampleCampaign("spring-recuperation")
        #expect(definition.name == "spring-recuperation")
        #expect(definition.program == "recuperation")
        let parameters = try Self.stored(definition.parameters)
        #expect(parameters.sessions.map(\.position) == [1, 2, 3])
    }
}

/// The placement plan, as plain arithmetic.
@Suite("Recuperation: placement plan")
struct PlacementPlanTests {
    @Test("ranks fill the sessions in file order, each up to its free places; the rest are not placed")
    func firstFreePlace() {
        let plan = PlacementPlan.plan(members: 100, sessions: [
            .init(position: 1, capacity: 40, placesTaken: 0), .init(position: 2, capacity: 40, placesTaken: 0),
            .init(position: 3, capacity: 30, placesTaken: 0),
        ])
        #expect(plan.shares == [
            .init(position: 1, firstRank: 1, lastRank: 40, firstSeat: 1), .init(position: 2, firstRank: 41, lastRank: 80, firstSeat: 1),
            .init(position: 3, firstRank: 81, lastRank: 100, firstSeat: 1),
        ])
        #expect(plan.placed == 100)
    }

    @Test("a later run of the cycle starts after the places taken and skips full sessions")
    func placesTaken() {
        let plan = PlacementPlan.plan(members: 10, sessions: [
            .init(position: 1, capacity: 40, placesTaken: 40), .init(position: 2, capacity: 40, placesTaken: 37),
            .init(position: 3, capacity: 30, placesTaken: 0),
        ])
        #expect(plan.shares == [
            .init(position: 2, firstRank: 1, lastRank: 3, firstSeat: 38), .init(position: 3, firstRank: 4, lastRank: 10, firstSeat: 1),
        ])
    }

    @Test("more members than places: the plan ends with the last place; no members or no places: no plan")
    func limits() {
        let sessions: [PlacementPlan.Session] = [.init(position: 1, capacity: 3, placesTaken: 1), .init(position: 2, capacity: 2, placesTaken: 0)]
        #expect(PlacementPlan.plan(members: 50, sessions: sessions).placed == 4)
        #expect(PlacementPlan.plan(members: 0, sessions: sessions).shares == [])
        #expect(PlacementPlan.plan(members: 5, sessions: []).shares == [])
    }
}
