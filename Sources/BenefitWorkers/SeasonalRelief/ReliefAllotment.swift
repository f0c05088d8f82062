import Foundation

/// How a run shares what is left of its cycle's budget among its eligible
/// members: **greedy in rank order**.
///
/// Members are ranked by hardship tier (1 first, members without a tier last),
/// then by `member_id`. Walking that order, each member is granted their amount
/// if it fits what is left, and waitlisted otherwise; a member who does not fit
/// does not stop the walk, so a cheaper member further down may still fit.
/// All members of one tier get the same amount, so within a tier the walk
/// grants a prefix: the first `min(eligible, ⌊left ÷ amount⌋)` of them.
///
/// Decided once, when the run plans, so the members granted are the same
/// whichever order batches commit in and whatever crashes on the way. With one
/// amount for everyone, the run grants ⌊left ÷ amount⌋ members (or all of them),
/// the largest total that fits. With different amounts it is the greedy total,
/// which favours the hardest-hit tier over squeezing in more, cheaper grants.
public struct ReliefAllotment: Sendable, Equatable {
    /// One tier's share.
    public struct Share: Sendable, Equatable {
        /// The hardship tier; nil for members without one.
        public let tier: Int?
        public let amount: Decimal
        /// Members of this tier in the run's population.
        public let eligible: Int
        /// How many of them, the first by rank, the budget covers.
        public let grants: Int
        /// What is left of the budget after this tier's grants.
        public let remainingAfter: Decimal

        public init(tier: Int?, amount: Decimal, eligible: Int, grants: Int, remainingAfter: Decimal) {
            self.tier = tier
            self.amount = amount
            self.eligible = eligible
            self.grants = grants
            self.remainingAfter = remainingAfter
        }
    }

    /// Shares in rank order.
    public let shares: [Share]

    /// The budget the plan spends.
    public var total: Decimal {
        shares.reduce(Decimal(0)) { $0 + $1.amount * Decimal($1.grants) }
    }

    /// Plans the greedy walk over tiers in rank order.
    ///
    /// - Parameters:
    ///   - tiers: Each tier's member count and amount, in rank order (1, 2, 3, none).
    ///   - remaining: What the cycle's budget still holds.
    public static func plan(tiers: [(tier: Int?, eligible: Int, amount: Decimal)], remaining: Decimal) -> ReliefAllotment {
        var left = remaining
        var shares: [Share] = []
        for group in tiers {
            let grants = min(group.eligible, affordable(group.amount, from: left))
            left -= group.amount * Decimal(grants)
            shares.append(Share(tier: group.tier, amount: group.amount, eligible: group.eligible, grants: grants, remainingAfter: left))
        }
        return ReliefAllotment(shares: shares)
    }

    /// ⌊left ÷ amount⌋, exactly: the quotient is rounded down, then corrected by
    /// multiplying back, since a 38-digit decimal quotient may sit a hair off.
    static func affordable(_ amount: Decimal, from left: Decimal) -> Int {
        guard amount > 0, left >= amount else { return 0 }
        var quotient = left / amount
        var count = Decimal()
        NSDecimalRound(&count, &quotient, 0, .down)
        var whole = Int(truncating: count as NSDecimalNumber)
        while amount * Decimal(whole + 1) <= left { whole += 1 }
        while whole > 0, amount * Decimal(whole) > left { whole -= 1 }
        return whole
    }
}
