import BenefitCore
@testable import BenefitWorkers
import Foundation
import Testing

/// health-checkup's `parameters`: what is accepted, and every problem by path.
@Suite("Health checkup: parameters")
struct CheckupParameterTests {
    /// `PATH: MESSAGE` for each problem the real program finds, in the order reported.
    static func problems(_ parameters: String) -> [String] {
        ProgramFixtures.problems(inFile: CheckupFixtures.campaignYAML(parameters: parameters))
    }

    static let hospitals = "hospitals: [{ name: A, dailyCapacity: 10 }]"
    static let packages = "packages: [{ name: all }]"

    @Test("good parameter blocks have no problem", arguments: [
        CheckupFixtures.parameters,
        // Defaults: interval 1y, employment [staff, retired], no holidays, no women's extra.
        "{ startDate: 2027-03-01, \(hospitals), \(packages) }",
        "{ interval: 18m, employment: [staff, migrant, gig], startDate: 2027-03-01, holidays: [], \(hospitals), \(packages) }",
        "{ interval: 400d, startDate: 2027-03-01, hospitals: [{ name: A, dailyCapacity: 100000 }, { name: B, dailyCapacity: 1 }], packages: [{ name: young, ageBelow: 1 }, { name: old, ageBelow: 150 }, { name: rest }] }",
    ])
    func goodBlocks(_ parameters: String) {
        #expect(Self.problems(parameters) == [])
    }

    @Test("bad parameter blocks report every problem with its path", arguments: [
        ("{ \(hospitals), \(packages), Interval: 1y, capacity: 5 }",
         ["parameters.Interval: unknown key (did you mean interval?)",
          "parameters.capacity: unknown key (known keys: interval, employment, mode, startDate, holidays, hospitals, vans, packages, womenExtra)",
          "parameters.startDate: required: the first day appointments may fall on (YYYY-MM-DD)"]),
        ("{ startDate: 2027-03-01 }",
         ["parameters.hospitals: required: a list of { name, dailyCapacity }",
          "parameters.packages: required: a list of { name, ageBelow } rules, the last without ageBelow"]),
        ("{ interval: 1 year, startDate: 2027-02-30, \(hospitals), \(packages) }",
         [#"parameters.interval: expected a count and a unit such as 1y, 18m or 400d (y: years, m: months, d: days), got "1 year""#,
          #"parameters.startDate: expected a date of the form YYYY-MM-DD, got "2027-02-30""#]),
        ("{ interval: 0y, startDate: 2027-03-01, \(hospitals), \(packages) }",
         ["parameters.interval: 0y is out of range: the count must be from 1 to 100"]),
        ("{ interval: 1201m, startDate: 2027-03-01, \(hospitals), \(packages) }",
         ["parameters.interval: 1201m is out of range: the count must be from 1 to 1200"]),
        ("{ interval: 12, startDate: 2027-03-01, \(hospitals), \(packages) }",
         ["parameters.interval: expected a count and a unit such as 1y, 18m or 400d (y: years, m: months, d: days), got 12"]),
        ("{ startDate: 2027-03-01, holidays: [2027-04-05, 2027-04-31, 2027-04-05], employment: [boss], \(hospitals), \(packages) }",
         [#"parameters.employment[0]: expected one of staff, retired, migrant, gig, got "boss""#,
          #"parameters.holidays[1]: expected a date of the form YYYY-MM-DD, got "2027-04-31""#,
          "parameters.holidays[2]: 2027-04-05 is already listed at parameters.holidays[0]"]),
        ("{ startDate: 2027-03-01, holidays: 2027-04-05, \(hospitals), \(packages) }",
         [#"parameters.holidays: expected a list of dates of the form YYYY-MM-DD, got "2027-04-05""#]),
        ("{ startDate: 2027-03-01, hospitals: [], \(packages) }",
         ["parameters.hospitals: expected a non-empty list of hospitals { name, dailyCapacity }, got an empty list"]),
        ("""
         { startDate: 2027-03-01, \(packages), hospitals: [{ name: A, dailyCapacity: 120 }, { name: A, dailyCapacity: 0 },
           { dailyCapacity: 12.5 }, { name: B, capacity: 3 }, B] }
         """,
         ["parameters.hospitals[1].name: hospital A is already listed at parameters.hospitals[0]",
          "parameters.hospitals[1].dailyCapacity: 0 is out of range: appointments per workday must be from 1 to 100000",
          "parameters.hospitals[2].name: required: the hospital's name",
          "parameters.hospitals[2].dailyCapacity: expected appointments per workday (a whole number), got 12.5",
          "parameters.hospitals[3].capacity: unknown key (known keys: name, dailyCapacity)",
          "parameters.hospitals[3].dailyCapacity: required: appointments per workday",
          #"parameters.hospitals[4]: expected a mapping of name, dailyCapacity (such as { name: 市第一人民医院, dailyCapacity: 120 }), got "B""#]),
        ("{ startDate: 2027-03-01, \(hospitals), packages: [{ name: basic, ageBelow: 35 }, { name: standard, ageBelow: 35 }, { name: \"\", ageBelow: 20 }, { name: x }] }",
         ["parameters.packages[1].ageBelow: 35 must be more than the rule before's ageBelow, 35",
          #"parameters.packages[2].name: expected a name (1 to 200 characters), got """#,
          "parameters.packages[2].ageBelow: 20 must be more than the rule before's ageBelow, 35"]),
        ("{ startDate: 2027-03-01, \(hospitals), packages: [{ name: basic, ageBelow: 35 }, { name: standard, ageBelow: 50 }] }",
         ["parameters.packages[1]: the last rule must have no ageBelow, so that every member gets a package"]),
        ("{ startDate: 2027-03-01, \(hospitals), packages: [{ name: all }, { name: old, ageBelow: 60 }, { name: rest }] }",
         ["parameters.packages[1]: never used: parameters.packages[0] has no ageBelow and matches everyone",
          "parameters.packages[2]: never used: parameters.packages[0] has no ageBelow and matches everyone"]),
        ("{ startDate: 2027-03-01, \(hospitals), packages: [{ name: young, ageBelow: 0 }, { name: all, age: 3 }], womenExtra: [x] }",
         ["parameters.packages[0].ageBelow: 0 is out of range: an age in years must be from 1 to 150",
          "parameters.packages[1].age: unknown key (known keys: name, ageBelow)",
          "parameters.womenExtra: expected a name (1 to 200 characters), got a list"]),
    ])
    func badBlocks(_ parameters: String, _ expected: [String]) {
        #expect(Self.problems(parameters) == expected)
    }

    @Test("a block that is not a mapping is one problem")
    func notAMapping() {
        #expect(ProgramFixtures.problems(of: HealthCheckupProgram(), inStored: [1, 2])
            == ["parameters: expected a mapping of interval, employment, mode, startDate, holidays, hospitals, vans, packages, womenExtra, got a list"])
    }

    @Test("intervals: a count and y, m or d, nothing else", arguments: [
        ("1y", CheckupInterval(count: 1, unit: .years)), ("18m", CheckupInterval(count: 18, unit: .months)),
        ("400d", CheckupInterval(count: 400, unit: .days)), ("1Y", nil), ("y", nil), ("+1y", nil), ("1 y", nil), ("1w", nil), ("", nil),
    ])
    func intervals(_ text: String, _ expected: CheckupInterval?) {
        #expect(CheckupInterval(text) == expected)
    }

    @Test("the example campaign in ops/campaigns is valid")
    func exampleCampaign() throws {
        let definition = try ProgramFixtures.exampleCampaign("health-checkup")
        #expect(definition.name == "health-checkup")
        #expect(definition.program == "health-checkup")
        #expect(definition.execution.queue == "checkup")
    }
}

/// The workday calendar and the sharing out of org units, as plain values.
@Suite("Health checkup: workdays and org units")
struct CheckupCalendarTests {
    static func dates(_ texts: [String]) -> [CalendarDate] { texts.map { CalendarDate($0)! } }

    @Test("workdays skip Saturdays, Sundays and holidays")
    func weekendsAndHolidays() {
        // 2027-03-01 is a Monday; 2027-03-03 a holiday.
        let calendar = WorkdayCalendar(start: CalendarDate("2027-03-01")!, holidays: Self.dates(["2027-03-03", "2027-03-13"]))
        #expect(calendar.workdays(0...6) == Self.dates([
            "2027-03-01", "2027-03-02", "2027-03-04", "2027-03-05", "2027-03-08", "2027-03-09", "2027-03-10",
        ]))
        #expect(calendar.workdays(5...6) == Self.dates(["2027-03-09", "2027-03-10"]))
        #expect(calendar.workdays(3...3) == Self.dates(["2027-03-05"]))
    }

    @Test("a start on a weekend or a holiday moves to the next workday")
    func startOnAWeekend() {
        let saturday = WorkdayCalendar(start: CalendarDate("2027-03-06")!, holidays: [])
        #expect(saturday.workdays(0...1) == Self.dates(["2027-03-08", "2027-03-09"]))
        let holidayMonday = WorkdayCalendar(start: CalendarDate("2027-04-03")!, holidays: Self.dates(["2027-04-05"]))
        #expect(holidayMonday.workdays(0...0) == Self.dates(["2027-04-06"]))
    }

    @Test("a year of workdays: 261 in 2027 without holidays, across the year's end")
    func aYear() {
        let days = WorkdayCalendar(start: CalendarDate("2027-01-01")!, holidays: []).workdays(0...261)
        #expect(days.filter { $0.year == 2027 }.count == 261)
        #expect(days.last == CalendarDate("2028-01-03")!)
    }

    @Test("biggest units first, each to the least loaded hospital relative to its capacity; ties by file order")
    func unitsToHospitals() {
        let hospitals = [
            UnitAssignment.Hospital(name: "A", dailyCapacity: 30, seatsTaken: 0),
            UnitAssignment.Hospital(name: "B", dailyCapacity: 10, seatsTaken: 0),
        ]
        let units = [("u1", 5), ("u2", 40), ("u3", 20), ("u4", 20), ("u5", 1)].map { UnitAssignment.Unit(name: $0.0, members: $0.1) }
        // u2 → A (tie, file order; A 40/30), u3 → B (0/10; B 20/10), u4 → A (40/30 < 2; A 60/30 = 2),
        // u1 → A (tie at 2, file order; A 65/30), u5 → B (2 < 65/30).
        #expect(UnitAssignment.assign(units, to: hospitals) == ["u2": 0, "u3": 1, "u4": 0, "u1": 0, "u5": 1])
        let plan = CheckupPlan(units: units, hospitals: hospitals)
        #expect(plan.reservations.map { [$0.firstRank, $0.lastRank, $0.firstSeat] } == [[1, 65, 1], [66, 86, 1]])
        #expect(plan.days(ofRanks: Array(60...70)) == 0...2)
    }

    @Test("seats a cycle already holds count as load, and a second run's seats follow them")
    func secondRunFollows() {
        let hospitals = [
            UnitAssignment.Hospital(name: "A", dailyCapacity: 10, seatsTaken: 95),
            UnitAssignment.Hospital(name: "B", dailyCapacity: 10, seatsTaken: 20),
        ]
        let plan = CheckupPlan(units: [UnitAssignment.Unit(name: "new", members: 12)], hospitals: hospitals)
        #expect(plan.reservations == [.init(hospital: "B", position: 2, dailyCapacity: 10, firstRank: 1, lastRank: 12, firstSeat: 21)])
        #expect(plan.days(ofRanks: [12, 1, 5]) == 2...3)
        // A rank past the plan is a fault, even beside ranks it covers.
        #expect(plan.days(ofRanks: [12, 13]) == nil)
        #expect(plan.days(ofRanks: []) == nil)
    }
}
