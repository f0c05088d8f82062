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

    /// How many members the plan places: ranks 1 ... placed.
    var placed: Int { shares.last?.lastRank ?? 0 }

    /// Plans `members` ranks into `sessions`, which are in file order.
    static func plan(members: Int, sessions: [Session]) -> PlacementPlan {
        var shares: [Share] = []
        var nextRank = 1
        for session in sessions {
            let places = min(session.capacity - session.placesTaken, members - nextRank + 1)
            guard places > 0 else { continue }
            shares.append(Share(
                position: session.position, firstRank: nextRank, lastRank: nextRank + places - 1, firstSeat: session.placesTaken + 1))
            nextRank += places
        }
        return PlacementPlan(shares: shares)
    }
}
