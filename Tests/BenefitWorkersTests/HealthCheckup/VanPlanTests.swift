import BenefitCore
@testable import BenefitWorkers
import Testing

/// How a checkup-van run sends its vans to the org units (``VanPlan``), without a database.
@Suite("Health checkup: van plan")
struct VanPlanTests {
    typealias Unit = UnitAssignment.Unit

    static let units = [Unit(name: "D", members: 5), Unit(name: "B", members: 60), Unit(name: "A", members: 130), Unit(name: "C", members: 61)]
    static let vans = [VanPlan.Van(name: "车1", dailyCapacity: 60), VanPlan.Van(name: "车2", dailyCapacity: 60)]

    /// `van: site@workday first…last` for each van-day, in rank order.
    static func lines(_ plan: VanPlan) -> [String] {
        plan.days.map { "\($0.van): \($0.site)@\($0.workday) \($0.firstRank)…\($0.lastRank)" }
    }

    @Test("largest units first, each to the van free earliest; big units over consecutive days; ranks by van, then day")
    func largestFirstToTheVanFreeEarliest() {
        let plan = VanPlan(units: Self.units, vans: Self.vans)
        // A (130) takes 车1's days 0–2; C (61) 车2's 0–1; B (60) 车2's day 2 (free
        // before 车1); D (5), both free on day 3, goes to the van first in the file.
        #expect(Self.lines(plan) == [
            "车1: A@0 1…60", "车1: A@1 61…120", "车1: A@2 121…130", "车1: D@3 131…135",
            "车2: C@0 136…195", "车2: C@1 196…196", "车2: B@2 197…256",
        ])
    }

    @Test("the van-days are the sum of ⌈members / capacity⌉, each unit on one van and consecutive workdays, no van-day twice",
          arguments: [1, 2, 3, 7])
    func fewestVanDaysOneUnitPerDay(vans count: Int) {
        let units = (1...40).map { Unit(name: "U\($0)", members: ($0 * 37) % 97 + 1) }
        let vans = (1...count).map { VanPlan.Van(name: "van\($0)", dailyCapacity: 25) }
        let plan = VanPlan(units: units, vans: vans)
        #expect(plan.days.count == units.reduce(0) { $0 + VanPlan.days(for: $1.members, capacity: 25) })
        #expect(Set(plan.days.map { "\($0.van)@\($0.workday)" }).count == plan.days.count)
        for unit in units {
            let days = plan.days.filter { $0.site == unit.name }
            #expect(Set(days.map(\.van)).count == 1, "\(unit.name)")
            #expect(days.map(\.workday) == Array(days[0].workday..<(days[0].workday + days.count)), "\(unit.name)")
            #expect(days.reduce(0) { $0 + $1.lastRank - $1.firstRank + 1 } == unit.members, "\(unit.name)")
            #expect(days.dropLast().allSatisfy { $0.lastRank - $0.firstRank + 1 == 25 }, "\(unit.name): only the last day has seats left")
        }
        // Ranks 1…n, each once, in order.
        #expect(plan.days.first?.firstRank == 1)
        #expect(zip(plan.days, plan.days.dropFirst()).allSatisfy { $0.lastRank + 1 == $1.firstRank })
        // No van idles while another has work left: the season ends within a day of the even share.
        let ends = vans.map { van in (plan.days.filter { $0.van == van.name }.map(\.workday).max() ?? -1) + 1 }
        #expect(ends.max()! - ends.min()! <= 4)
    }

    @Test("the plan depends only on the counts: any order of the units gives the same van-days")
    func deterministic() {
        let plan = VanPlan(units: Self.units, vans: Self.vans)
        for _ in 0..<20 {
            #expect(VanPlan(units: Self.units.shuffled(), vans: Self.vans) == plan)
        }
        // Equal sizes go by name in byte order.
        let tied = VanPlan(units: [Unit(name: "b", members: 10), Unit(name: "B", members: 10), Unit(name: "a", members: 10)],
                           vans: [VanPlan.Van(name: "v", dailyCapacity: 10)])
        #expect(tied.days.map(\.site) == ["B", "a", "b"])
    }

    @Test("a later run starts each van after the days its cycle gave out; of vans free together, the larger takes the unit")
    func laterRunsAndLargerVans() {
        let plan = VanPlan(
            units: [Unit(name: "X", members: 90), Unit(name: "Y", members: 20)],
            vans: [VanPlan.Van(name: "small", dailyCapacity: 30, freeFrom: 4), VanPlan.Van(name: "big", dailyCapacity: 45, freeFrom: 4)])
        #expect(Self.lines(plan) == ["small: Y@4 1…20", "big: X@4 21…65", "big: X@5 66…110"])
        let waiting = VanPlan(units: [Unit(name: "X", members: 10)], vans: [VanPlan.Van(name: "v1", dailyCapacity: 10, freeFrom: 2),
                                                                           VanPlan.Van(name: "v2", dailyCapacity: 10, freeFrom: 1)])
        #expect(Self.lines(waiting) == ["v2: X@1 1…10"])
    }

    @Test("van-days fall on consecutive workdays: weekends and holidays are skipped between a unit's days")
    func consecutiveWorkdays() {
        let plan = VanPlan(units: [Unit(name: "A", members: 130)], vans: [VanPlan.Van(name: "v", dailyCapacity: 60)])
        // Friday 2027-03-05; Monday 2027-03-08 is a holiday.
        let calendar = WorkdayCalendar(start: CalendarDate("2027-03-05")!, holidays: [CalendarDate("2027-03-08")!])
        let dates = calendar.workdays(0...plan.days.map(\.workday).max()!)
        #expect(plan.days.map { dates[$0.workday].description } == ["2027-03-05", "2027-03-09", "2027-03-10"])
    }
}
