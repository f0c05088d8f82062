import Foundation

/// One of the four seasonal drives (四季送).
public enum ReliefSeason: String, CaseIterable, Sendable {
    /// 春送岗位: job fairs and job-seeking aid, for migrant and gig workers in hardship.
    case springJobs = "spring-jobs"
    /// 夏送清凉: cooling supplies for frontline workers.
    case summerCooling = "summer-cooling"
    /// 秋送助学: education aid for members whose child enters college this year.
    case autumnEducation = "autumn-education"
    /// 冬送温暖: winter warmth grants for members in hardship.
    case winterWarmth = "winter-warmth"

    /// Who qualifies when the campaign gives no `eligibility`.
    public var defaultEligibility: ReliefEligibility {
        switch self {
        case .springJobs, .winterWarmth: ReliefEligibility(hardshipTiers: ReliefEligibility.tiers)
        case .summerCooling: ReliefEligibility(frontline: true)
        case .autumnEducation: ReliefEligibility(childInCollege: true)
        }
    }

    /// Which employment types qualify when the campaign gives no `employment`:
    /// spring job aid goes to migrant and gig workers, the other drives to everyone.
    public var defaultEmployment: [Member.Employment] {
        switch self {
        case .springJobs: [.migrant, .gig]
        case .summerCooling, .autumnEducation, .winterWarmth: Member.Employment.allCases
        }
    }
}

/// Who qualifies for a seasonal-relief campaign: a member qualifies if **any**
/// criterion holds (and the campaign's `employment` filter admits them).
public struct ReliefEligibility: Sendable, Equatable {
    /// The hardship tiers that exist in the roster (`hardship_tier` 1, 2, 3; 1 is the hardest).
    public static let tiers = [1, 2, 3]

    /// Members whose `hardship_tier` is one of these; empty: not a criterion.
    public var hardshipTiers: [Int]
    /// Members with `frontline = true`.
    public var frontline: Bool
    /// Members with a child entering college in the cycle's year (`child_college_year` = that year).
    public var childInCollege: Bool

    public init(hardshipTiers: [Int] = [], frontline: Bool = false, childInCollege: Bool = false) {
        self.hardshipTiers = hardshipTiers
        self.frontline = frontline
        self.childInCollege = childInCollege
    }

    /// Whether any criterion is set; a campaign with none would serve nobody.
    public var hasCriterion: Bool { !hardshipTiers.isEmpty || frontline || childInCollege }

    /// The criteria that admit members regardless of their tier (who may have none).
    public var tierlessCriteria: [String] {
        (frontline ? ["frontline"] : []) + (childInCollege ? ["childInCollege"] : [])
    }
}

/// A seasonal-relief campaign's `parameters`, read and checked, with every default filled in.
///
/// Money is `Decimal` throughout (yuan, at most two decimals), as the engine's
/// JSON numbers are: a binary float would not add up to the budget exactly.
public struct ReliefParameters: Sendable, Equatable {
    public var season: ReliefSeason
    /// The criteria given, or the season's default.
    public var eligibility: ReliefEligibility
    /// Whether `eligibility` is the season's default (the file left it out).
    public var eligibilityIsDefault: Bool
    /// The employment types admitted, or the season's default.
    public var employment: [Member.Employment]
    /// Yuan per member by hardship tier.
    public var amounts: [Int: Decimal]
    /// Yuan per member whose tier has no entry in ``amounts`` (or who has no tier).
    public var flatAmount: Decimal?
    // The budget is checked by the reader and read by the database when it opens
    // a cycle's ledger (`benefit.open_relief_budget`), never from here.

    /// What a member of `tier` (nil: none) gets: the tier's amount, else the flat amount.
    public func amount(forTier tier: Int?) -> Decimal? {
        tier.flatMap { amounts[$0] } ?? flatAmount
    }

    /// The groups of members that can be paid, in the order runs rank them:
    /// tiers 1, 2, 3, then members without a tier. A group qualifies if its
    /// members can be eligible and there is an amount for them.
    public var payableTiers: [Int?] {
        let tiers: [Int?] = ReliefEligibility.tiers + [nil]
        return tiers.filter { tier in
            guard amount(forTier: tier) != nil else { return false }
            if !eligibility.tierlessCriteria.isEmpty { return true }
            return tier.map(eligibility.hardshipTiers.contains) ?? false
        }
    }

    /// The smallest amount an eligible member can get; nil if none can be paid.
    public var smallestAmount: Decimal? {
        payableTiers.compactMap(amount(forTier:)).min()
    }
}

/// Money as the grants table holds it: yuan with at most two decimals.
enum Yuan {
    /// The largest grant: `numeric(12,2)`.
    static let maximumAmount = Decimal(string: "9999999999.99")!
    /// The largest budget: `numeric(14,2)`.
    static let maximumBudget = Decimal(string: "999999999999.99")!

    /// Whether `value` has at most two decimals.
    static func isWholeCents(_ value: Decimal) -> Bool {
        value == rounded(value, scale: 2, .plain)
    }

    /// `value` rounded to `scale` decimals.
    static func rounded(_ value: Decimal, scale: Int, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        var value = value
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, mode)
        return result
    }

    /// The number as operators write it: `1200.5`, `800`.
    static func text(_ value: Decimal) -> String {
        value.description
    }
}
