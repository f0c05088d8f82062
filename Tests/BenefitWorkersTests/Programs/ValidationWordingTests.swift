import BenefitQueue
import BenefitScheduler
@testable import BenefitWorkers
import Foundation
import Testing

/// One validation vocabulary: the engine's fields and a program's parameters word the same mistake alike.
@Suite("Campaign files: one wording for the engine's fields and the programs' parameters")
struct ValidationWordingTests {
    @Test("the same kind of mistake gets the same message shape in a top-level field and in a parameter, each at its own line")
    func sameMistakeSameShape() {
        let file = """
            name: spring-trips
            program: recuperation
            schedule:
              cron: "0 9 1 3 *"
            execution:
              batchSize: 0
              maxAttempts: many
              Lease: 60s
            cycle: Yearly
            parameters:
              seed: many
              sites:
                - name: 沙家浜
                  sessions:
                    - { start: 2027-04-06, days: 5, capacity: 0 }
                    - { start: 2027-04-13, Days: 5 }
              rankBy: [Frontline]
            """
        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFile.parse(text: file, fileName: "spring.yaml", validators: BenefitPrograms.catalog.validators)
        }
        #expect(error?.problems.map(\.description) == [
            // required
            "spring.yaml:3: schedule.timezone: required: an IANA time zone name such as Asia/Shanghai",
            // a whole number out of range
            "spring.yaml:6: execution.batchSize: 0 is out of range: members per batch must be from 1 to 100000",
            // not a whole number
            #"spring.yaml:7: execution.maxAttempts: expected attempts per job (a whole number), got "many""#,
            // an unknown key that is a near miss
            "spring.yaml:8: execution.Lease: unknown key (did you mean lease?)",
            // a choice with a near miss
            #"spring.yaml:9: cycle: expected one of yearly, monthly, run, got "Yearly" (did you mean yearly?)"#,
            #"spring.yaml:11: parameters.seed: expected the tie-break's seed (a whole number), got "many""#,
            "spring.yaml:15: parameters.sites[0].sessions[0].capacity: 0 is out of range: the session's places must be from 1 to 100000",
            "spring.yaml:16: parameters.sites[0].sessions[1].Days: unknown key (did you mean days?)",
            "spring.yaml:16: parameters.sites[0].sessions[1].days: required: how many days it lasts",
            "spring.yaml:16: parameters.sites[0].sessions[1].capacity: required: how many members it takes",
            #"spring.yaml:17: parameters.rankBy[0]: expected one of frontline, modelWorker, yearsSinceLast, serviceYears, got "Frontline" (did you mean frontline?)"#,
        ])
    }

    @Test("stored parameters that no longer validate fail the job permanently, naming each problem by path")
    func storedParametersThatNoLongerValidate() {
        let stored: JSONValue = ["sites": [], "seed": .number(Decimal(string: "1.5")!)]
        let error = #expect(throws: PermanentFailure.self) {
            try CampaignValueReader.readStored(stored, campaign: "spring-trips", program: RecuperationProgram.name) { $0.recuperationParameters($1) }
        }
        #expect(error?.description == "recuperation: campaign spring-trips has bad parameters: "
            + "parameters.sites: expected a non-empty list of sites, got an empty list; "
            + "parameters.seed: expected the tie-break's seed (a whole number), got 1.5")
    }
}
