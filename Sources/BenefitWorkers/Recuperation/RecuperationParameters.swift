import BenefitCore
import Foundation

/// One criterion a recuperation campaign ranks its eligible members by; in
/// every one, more ranks first.
public enum RankCriterion: String, CaseIterable, Sendable {
    /// Frontline workers (`frontline = true`) before the others.
    case frontline
    /// Model workers (`model_worker = true`) before the others.
    case modelWorker
    /// Longest since the last trip first: the cycle's year minus
    /// `last_recuperation_year`; members who never went before everyone.
    case yearsSinceLast
    /// Longest service first (``RecuperationParameters`` says how it is counted);
    /// members without a hire date after everyone.
    case serviceYears
}

/// One session at a site: `days` days from `start`, for `capacity` members.
public struct RecuperationSession: Sendable, Equatable {
    public var start: CalendarDate
    public var days: Int
    public var capacity: Int
}

/// A recuperation site (疗休养基地) and its sessions, in file order.
public struct RecuperationSite: Sendable, Equatable {
    public var name: String
    public var sessions: [RecuperationSession]
}

/// A recuperation campaign's `parameters`, read and checked, with every default filled in.
///
/// Counting, for a run whose cycle year is `Y` (the calendar year of its fire
/// time in the campaign's zone):
/// - service years are the full years from `hire_date` to `Y-01-01`;
/// - years since the last trip are `Y - last_recuperation_year`.
public struct RecuperationParameters: Sendable, Equatable {
    /// Members in work: retired members are not sent on recuperation unless a campaign lists them.
    public static let defaultEmployment: [Member.Employment] = [.staff, .migrant, .gig]

    /// The employment types admitted.
    public var employment: [Member.Employment]
    /// Members with fewer service years are not eligible; 0: no minimum (members
    /// without a hire date qualify too).
    public var minServiceYears: Int
    /// Members whose last trip is fewer than this many years before the cycle's
    /// year are not eligible; 0: no limit.
    public var notWithinYears: Int
    /// The sites, each with its sessions, in file order: the order places are given in.
    public var sites: [RecuperationSite]
    /// The ranking criteria in order, each at most once; ties go to ``seed``'s draw.
    public var rankBy: [RankCriterion]
    /// The seed of the tie-break: `md5(seed || ':' || member_id)`.
    public var seed: Int

    /// Every session, in file order across sites, with its position (1 first).
    public var sessions: [(position: Int, site: String, session: RecuperationSession)] {
        sites.flatMap { site in site.sessions.map { (site: site.name, session: $0) } }
            .enumerated().map { (position: $0.offset + 1, site: $0.element.site, session: $0.element.session) }
    }
}
