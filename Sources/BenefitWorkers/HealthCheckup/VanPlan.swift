/// How a checkup-van run (`mode: vans`) sends its vans to the org units'
/// workplaces: which van visits each unit, on which workdays, and which of the
/// run's ranks each van-day seats.
///
/// **One unit per van-day; each unit on one van, on consecutive workdays.** A
/// unit of `n` due members takes `⌈n / capacity⌉` workdays of its van, the
/// fewest that hold it, so no van-day is spent that a unit does not need; only
/// its last day may have seats left. Units go in decreasing size (equal sizes by
/// name in byte order, PostgreSQL's "C"), each to the van that is free earliest
/// (its first workday not yet given to a unit); among vans free on the same day,
/// to the one that needs the fewest days for the unit (the largest capacity),
/// then to the van first in the file. With vans of one capacity the van-days
/// are therefore exactly the sum of `⌈n / capacity⌉`, and taking the largest
/// units first keeps the season short (no van sits idle while another has a
/// long queue of big units). The result depends only on the counts and the
/// vans, so every planner of the run decides the same.
///
/// Ranks follow the vans in file order and each van's visits in day order;
/// within a unit, members take ranks in `member_id` order (the population's), so
/// seat `s` of a unit's `d`-th day (from 0) is its member of rank
/// `firstRank + d × capacity + s − 1`.
public struct VanPlan: Sendable, Equatable {
    /// A van, in file order, with the first workday (from 0) its cycle has not given out yet.
    public struct Van: Sendable, Equatable {
        public var name: String
        public var dailyCapacity: Int
        public var freeFrom: Int

        public init(name: String, dailyCapacity: Int, freeFrom: Int = 0) {
            self.name = name
            self.dailyCapacity = dailyCapacity
            self.freeFrom = freeFrom
        }
    }

    /// One van-day: where the van is (`site`, the unit), and the ranks it seats.
    public struct VanDay: Sendable, Equatable {
        public var van: String
        /// The cycle's workday, from 0 (``WorkdayCalendar`` numbering).
        public var workday: Int
        public var site: String
        public var dailyCapacity: Int
        public var firstRank: Int
        public var lastRank: Int
    }

    /// Every van-day of the run, in rank order.
    public let days: [VanDay]

    /// Plans `units` on `vans` (file order), after the days each van already gave out.
    public init(units: [UnitAssignment.Unit], vans: [Van]) {
        precondition(!vans.isEmpty, "a checkup-van campaign has at least one van")
        var free = vans.map(\.freeFrom)
        var visits = Array(repeating: [(unit: UnitAssignment.Unit, first: Int)](), count: vans.count)
        let ordered = units.filter { $0.members > 0 }.sorted { a, b in
            a.members != b.members ? a.members > b.members : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        for unit in ordered {
            func needs(_ van: Int) -> Int { Self.days(for: unit.members, capacity: vans[van].dailyCapacity) }
            let chosen = vans.indices.min { i, j in
                free[i] != free[j] ? free[i] < free[j] : needs(i) < needs(j)
            }!
            visits[chosen].append((unit, free[chosen]))
            free[chosen] += needs(chosen)
        }
        var days: [VanDay] = []
        var rank = 1
        for (index, van) in vans.enumerated() {
            for visit in visits[index] {
                var left = visit.unit.members
                var workday = visit.first
                while left > 0 {
                    let seated = min(left, van.dailyCapacity)
                    days.append(VanDay(
                        van: van.name, workday: workday, site: visit.unit.name, dailyCapacity: van.dailyCapacity,
                        firstRank: rank, lastRank: rank + seated - 1))
                    rank += seated
                    left -= seated
                    workday += 1
                }
            }
        }
        self.days = days
    }

    /// The workdays a unit of `members` takes on a van of `capacity`.
    public static func days(for members: Int, capacity: Int) -> Int {
        (members + capacity - 1) / capacity
    }
}
