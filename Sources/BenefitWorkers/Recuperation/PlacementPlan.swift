import Foundation

/// How a run's ranked members are given places: **first free place in rank
/// order**.
///
/// Walking the cycle's sessions in file order (sites in order, each site's
/// sessions in order), each session takes the next ranks, as many as it has
/// free places. So rank 1 gets the first free place of the first session that
/// has one, rank 2 the next, and so on: exactly what placing members one by one
/// in rank order, each into the first session with a free place, gives. Ranks
/// past the last free place are waitlisted.
///
/// The plan fixes each rank's seat: rank `r` of a share sits in seat
/// `firstSeat + (r - firstRank)`. A batch only applies it, so the placement
/// does not depend on which batch runs first, or how often.
///
/// Job fairs plan by groups (``plan(groups:)``): members rank by district
/// first, so each district's ranks are contiguous, and each district's range
/// of ranks is planned into that district's fairs the same way.
struct PlacementPlan: Equatable, Sendable {
    /// A session's part of the plan: ranks `firstRank ... lastRank` go to seats `firstSeat ...`.
    struct Share: Equatable, Sendable {
        let position: Int
        let firstRank: Int
        let lastRank: Int
        let firstSeat: Int
    }

    /// A session as planning finds it: `placesTaken` of its `capacity` already given by earlier runs of the cycle.
    struct Session: Equatable, Sendable {
        let position: Int
        let capacity: Int
        let placesTaken: Int
    }

    /// The sessions that take ranks, in file order; a full session has none.
    let shares: [Share]

    /// How many members the plan places.
    var placed: Int { shares.reduce(0) { $0 + $1.lastRank - $1.firstRank + 1 } }

    /// A range of ranks and the sessions it is placed into: one district's members and fairs.
    struct Group: Equatable, Sendable {
        /// How many members the group ranks, from the rank after the previous group's last.
        let members: Int
        /// The group's sessions, in file order.
        let sessions: [Session]
    }

    /// Plans `members` ranks into `sessions`, which are in file order.
    static func plan(members: Int, sessions: [Session]) -> PlacementPlan {
        plan(groups: [Group(members: members, sessions: sessions)])
    }

    /// Plans each group's ranks into its own sessions: the first group has ranks
    /// 1 ... its `members`, the next the ranks after them, and so on. A group's
    /// ranks past its last free place are waitlisted, whatever other groups have free.
    static func plan(groups: [Group]) -> PlacementPlan {
        var shares: [Share] = []
        var firstOfGroup = 1
        for group in groups {
            var nextRank = firstOfGroup
            let endRank = firstOfGroup + group.members
            for session in group.sessions {
                let places = min(session.capacity - session.placesTaken, endRank - nextRank)
                guard places > 0 else { continue }
                shares.append(Share(
                    position: session.position, firstRank: nextRank, lastRank: nextRank + places - 1, firstSeat: session.placesTaken + 1))
                nextRank += places
            }
            firstOfGroup = endRank
        }
        return PlacementPlan(shares: shares)
    }
}
