import BenefitCore
import Foundation

/// One criterion a job-fair campaign ranks a district's members by; in every
/// one, more ranks first.
public enum FairRankCriterion: String, CaseIterable, Sendable {
    /// Members in hardship first, tier 1 (the hardest) before 2 and 3; members in no tier last.
    case hardship
    /// Frontline workers (`frontline = true`) before the others.
    case frontline
}

/// A job fair (招聘会) in a district, on a date, for `capacity` members.
public struct JobFair: Sendable, Equatable {
    public var name: String
    public var district: String
    public var date: CalendarDate
    public var capacity: Int
}

/// A job-fair campaign's `parameters`, read and checked, with every default filled in.
public struct JobFairParameters: Sendable, Equatable {
    /// Members looking for work: migrant and gig workers, unless a campaign names others.
    public static let defaultEmployment: [Member.Employment] = [.migrant, .gig]

    /// The employment types invited.
    public var employment: [Member.Employment]
    /// The fairs in file order: within a district, the order places are given in.
    public var fairs: [JobFair]
    /// The ranking criteria within a district, in order, each at most once; ties go to ``seed``'s draw.
    public var rankBy: [FairRankCriterion]
    /// The seed of the tie-break: `md5(seed || ':' || member_id)`.
    public var seed: Int
}
