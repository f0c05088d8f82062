import BenefitCore
import BenefitWorkers
import Foundation
import PostgresClient

/// The contract's placement, computed the plain way, to hold the program's against:
/// eligibility filtered and members sorted in Swift from the roster's raw
/// attributes, then placed one at a time in rank order, each into the first
/// session (file order) with a free place; the rest, in order, are the waitlist.
///
/// Only the seeded draw comes from SQL (`md5(seed::text || ':' || member_id)`),
/// the expression docs/programs.md gives for the tie-break.
struct ReferencePlacement {
    /// What the reference reads of a member.
    struct Member: Sendable {
        let id: String
        let employment: String
        let hired: CalendarDate?
        let frontline: Bool
        let modelWorker: Bool
        let lastTrip: Int?
        let draw: String
    }

    struct Session {
        let site: String
        let start: CalendarDate
        let capacity: Int
    }

    var employment: [String]
    var minServiceYears: Int
    var notWithinYears: Int
    var sessions: [Session]
    var rankBy: [String]
    var seed: Int
    /// The cycle's year.
    var year: Int

    /// The roster as the reference needs it; read before the run changes anyone's last trip.
    func roster(on pool: PostgresPool) async throws -> [Member] {
        try await pool.query("""
            SELECT member_id, employment, hire_date, frontline, model_worker, last_recuperation_year,
                   md5(\(seed)::text || ':' || member_id)
            FROM benefit.member
            """).decode((String, String, CalendarDate?, Bool, Bool, Int?, String).self).map {
            Member(id: $0.0, employment: $0.1, hired: $0.2, frontline: $0.3, modelWorker: $0.4, lastTrip: $0.5, draw: $0.6)
        }
    }

    /// Full years from `hired` to 1 January of the cycle's year; 0 if hired since.
    func serviceYears(_ hired: CalendarDate) -> Int {
        let newYear = CalendarDate(year: year, month: 1, day: 1)!
        guard hired <= newYear else { return 0 }
        return year - hired.year - (hired.month == 1 && hired.day == 1 ? 0 : 1)
    }

    func isEligible(_ member: Member) -> Bool {
        guard employment.contains(member.employment) else { return false }
        if minServiceYears > 0 {
            guard let hired = member.hired, serviceYears(hired) >= minServiceYears else { return false }
        }
        if notWithinYears > 0, let last = member.lastTrip, year - last < notWithinYears { return false }
        return true
    }

    /// The criterion's value for `member`; more ranks first.
    func score(_ criterion: String, _ member: Member) -> Int {
        switch criterion {
        case "frontline": member.frontline ? 1 : 0
        case "modelWorker": member.modelWorker ? 1 : 0
        case "yearsSinceLast": member.lastTrip.map { year - $0 } ?? Int.max
        case "serviceYears": member.hired.map(serviceYears) ?? -1
        default: fatalError("unknown criterion \(criterion)")
        }
    }

    func ranksBefore(_ a: Member, _ b: Member) -> Bool {
        for criterion in rankBy where score(criterion, a) != score(criterion, b) {
            return score(criterion, a) > score(criterion, b)
        }
        if a.draw != b.draw { return a.draw < b.draw }
        return a.id < b.id
    }

    /// Member → place (with their rank), and the waitlist: member → rank.
    func place(_ roster: [Member]) -> (placed: [String: RecuperationFixtures.Place], waitlist: [String: Int]) {
        let ranked = roster.filter(isEligible).sorted(by: ranksBefore)
        var free = sessions.map(\.capacity)
        var placed: [String: RecuperationFixtures.Place] = [:]
        var waitlist: [String: Int] = [:]
        for (index, member) in ranked.enumerated() {
            if let session = free.firstIndex(where: { $0 > 0 }) {
                free[session] -= 1
                placed[member.id] = RecuperationFixtures.Place(site: sessions[session].site, start: sessions[session].start, rank: index + 1)
            } else {
                waitlist[member.id] = index + 1
            }
        }
        return (placed, waitlist)
    }
}
