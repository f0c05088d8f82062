import BenefitCore
import BenefitScheduler
@testable import BenefitWorkers
import Foundation
import Testing

/// health-checkup's `mode` and `vans`: each mode's list required in it and refused in the other, by path.
@Suite("Health checkup: van parameters")
struct CheckupVanParameterTests {
    static let packages = "packages: [{ name: all }]"
    static let vans = "vans: [{ name: 体检车1号, dailyCapacity: 60 }]"
    static let hospitals = "hospitals: [{ name: A, dailyCapacity: 10 }]"

    @Test("a vans block reads its vans; a block without mode is a hospitals block, as before")
    func modes() throws {
        var reader = CampaignValueReader(file: "f.yaml")
        let vans = reader.checkupParameters(SourceValue(json: [
            "mode": "vans", "startDate": "2027-03-01", "vans": [["name": "体检车1号", "dailyCapacity": 60], ["name": "体检车2号", "dailyCapacity": 45]],
            "packages": [["name": "all"]],
        ], path: "parameters"))
        #expect(reader.problems.isEmpty)
        #expect(vans?.mode == .vans && vans?.hospitals == [])
        #expect(vans?.resources == [CheckupHospital(name: "体检车1号", dailyCapacity: 60), CheckupHospital(name: "体检车2号", dailyCapacity: 45)])
        let hospitals = reader.checkupParameters(SourceValue(json: [
            "startDate": "2027-03-01", "hospitals": [["name": "A", "dailyCapacity": 10]], "packages": [["name": "all"]],
        ], path: "parameters"))
        #expect(reader.problems.isEmpty)
        #expect(hospitals?.mode == .hospitals && hospitals?.vans == [] && hospitals?.resources.map(\.name) == ["A"])
    }

    @Test("bad van blocks report every problem with its path", arguments: [
        ("{ mode: vans, startDate: 2027-03-01, \(packages) }", ["parameters.vans: required: a list of { name, dailyCapacity }"]),
        ("{ mode: vans, startDate: 2027-03-01, \(hospitals), \(packages) }",
         ["parameters.hospitals: not used in mode vans (mode: hospitals uses it): give vans",
          "parameters.vans: required: a list of { name, dailyCapacity }"]),
        ("{ startDate: 2027-03-01, \(vans), \(packages) }",
         ["parameters.vans: not used in mode hospitals (mode: vans uses it): give hospitals",
          "parameters.hospitals: required: a list of { name, dailyCapacity }"]),
        ("{ mode: bus, startDate: 2027-03-01, \(vans), \(packages) }", [#"parameters.mode: expected one of hospitals, vans, got "bus""#]),
        ("{ mode: vans, startDate: 2027-03-01, vans: [], \(packages) }",
         ["parameters.vans: expected a non-empty list of vans { name, dailyCapacity }, got an empty list"]),
        ("{ mode: vans, startDate: 2027-03-01, vans: [{ name: V, dailyCapacity: 60 }, { name: V, dailyCapacity: 0 }, { dailyCapacity: 5 }, V], \(packages) }",
         ["parameters.vans[1].name: van V is already listed at parameters.vans[0]",
          "parameters.vans[1].dailyCapacity: 0 is out of range: appointments per workday must be from 1 to 100000",
          "parameters.vans[2].name: required: the van's name",
          #"parameters.vans[3]: expected a mapping of name, dailyCapacity (such as { name: 体检车1号, dailyCapacity: 60 }), got "V""#]),
    ])
    func badBlocks(_ parameters: String, _ expected: [String]) {
        #expect(CheckupParameterTests.problems(parameters) == expected)
    }

    @Test("the example checkup-van campaign in ops/campaigns is valid: three vans, staff, a spring season")
    func exampleCampaign() throws {
        let definition = try ProgramFixtures.exampleCampaign("checkup-vans")
        #expect(definition.program == "health-checkup" && definition.execution.queue == "checkup")
        var reader = CampaignValueReader(file: "checkup-vans.yaml")
        let parameters = reader.checkupParameters(SourceValue(json: definition.parameters, path: "parameters"))
        #expect(reader.problems.isEmpty)
        #expect(parameters?.mode == .vans && parameters?.vans.count == 3 && parameters?.employment == [.staff])
        #expect(parameters?.startDate == CalendarDate("2027-03-15")!)
    }
}
