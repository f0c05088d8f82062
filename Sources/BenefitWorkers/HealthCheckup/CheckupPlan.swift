/// A health-checkup run's plan: the hospital of each org unit, and per
/// hospital the run's ranks it takes and the cycle's seats they get.
///
/// Ranks follow the population's order (hospital in file order, then org unit,
/// then member), so a hospital's members have consecutive ranks, and rank `r`
/// gets seat `firstSeat + (r − firstRank)`: a unit's members sit side by side.
struct CheckupPlan: Sendable {
    /// One hospital's share of the run.
    struct Reservation: Sendable, Equatable {
        var hospital: String
        /// The hospital's place in the run's file, from 1.
        var position: Int
        var dailyCapacity: Int
        var firstRank: Int
        var lastRank: Int
        /// The cycle's seat of `firstRank`: one after those earlier runs of the cycle reserved.
        var firstSeat: Int

        var members: Int { lastRank - firstRank + 1 }

        /// The workday (from 0) of the seat of `rank`.
        func day(ofRank rank: Int) -> Int {
            (firstSeat + rank - firstRank - 1) / dailyCapacity
        }
    }

    /// Hospitals with at least one member, in rank order.
    var reservations: [Reservation]
    /// Each due org unit with its hospital, in the order the units were counted.
    var units: [(unit: UnitAssignment.Unit, hospital: String)]

    /// Shares `units` out among `hospitals` (file order) with ``UnitAssignment``
    /// and reserves each hospital's seats after those its cycle already holds.
    init(units: [UnitAssignment.Unit], hospitals: [UnitAssignment.Hospital]) {
        let assignment = UnitAssignment.assign(units, to: hospitals)
        var members = Array(repeating: 0, count: hospitals.count)
        for unit in units { members[assignment[unit.name]!] += unit.members }
        var next = 1
        reservations = []
        for (index, hospital) in hospitals.enumerated() where members[index] > 0 {
            reservations.append(Reservation(
                hospital: hospital.name, position: index + 1, dailyCapacity: hospital.dailyCapacity,
                firstRank: next, lastRank: next + members[index] - 1, firstSeat: hospital.seatsTaken + 1))
            next += members[index]
        }
        self.units = units.map { ($0, hospitals[assignment[$0.name]!].name) }
    }

    init(reservations: [Reservation]) {
        self.reservations = reservations
        self.units = []
    }

    /// The workdays (from 0) the seats of `ranks` fall on, first to last; nil if
    /// any of them is outside the plan, or there are none. A batch's ranks are any
    /// ranks of the run (its members in member order), so each is looked up.
    func days(ofRanks ranks: [Int]) -> ClosedRange<Int>? {
        var days: ClosedRange<Int>?
        for rank in ranks {
            guard let reservation = reservations.first(where: { $0.firstRank <= rank && rank <= $0.lastRank }) else { return nil }
            let day = reservation.day(ofRank: rank)
            days = days.map { min($0.lowerBound, day)...max($0.upperBound, day) } ?? day...day
        }
        return days
    }
}
