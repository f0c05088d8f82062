/// How a health-checkup run shares out whole org units among its hospitals, so
/// that the members of a unit are booked together: one hospital, consecutive
/// seats, hence the same or adjacent workdays.
///
/// **Biggest units first, each to the least loaded hospital.** A hospital's
/// load is the seats its cycle already holds plus those this run gives it,
/// divided by its daily capacity: how many workdays it is booked for. Units go
/// in decreasing size (equal sizes by name in byte order, PostgreSQL's "C"),
/// each to the hospital with the smallest load; equal loads go to the hospital
/// first in the file. The result depends only on the counts, so every planner
/// of the run decides the same.
public enum UnitAssignment {
    /// An org unit with the number of its members due.
    public struct Unit: Sendable, Equatable {
        public var name: String
        public var members: Int

        public init(name: String, members: Int) {
            self.name = name
            self.members = members
        }
    }

    /// A hospital, in file order, with what its cycle already holds.
    public struct Hospital: Sendable, Equatable {
        public var name: String
        public var dailyCapacity: Int
        public var seatsTaken: Int

        public init(name: String, dailyCapacity: Int, seatsTaken: Int) {
            self.name = name
            self.dailyCapacity = dailyCapacity
            self.seatsTaken = seatsTaken
        }
    }

    /// The hospital (an index into `hospitals`) of each unit, by unit name.
    public static func assign(_ units: [Unit], to hospitals: [Hospital]) -> [String: Int] {
        precondition(!hospitals.isEmpty, "a checkup campaign has at least one hospital")
        var load = hospitals.map(\.seatsTaken)
        var assignment: [String: Int] = [:]
        let ordered = units.sorted { a, b in
            a.members != b.members ? a.members > b.members : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        for unit in ordered {
            // load[i] / capacity[i] < load[j] / capacity[j], in whole numbers: no rounding decides a tie.
            let chosen = hospitals.indices.min { i, j in
                load[i] * hospitals[j].dailyCapacity < load[j] * hospitals[i].dailyCapacity
            }!
            load[chosen] += unit.members
            assignment[unit.name] = chosen
        }
        return assignment
    }
}
