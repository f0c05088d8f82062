import BenefitCore
import BenefitWorkers
import Foundation
import PostgresClient

/// Rosters with districts, campaigns, the database's placement, and the
/// one-by-one reference placement for the job-fair tests.
enum JobFairFixtures {
    /// The queue the test campaigns use.
    static let queue = "job-fairs"

    /// A job-fair campaign file; `parameters` is a YAML flow mapping.
    static func campaignYAML(name: String, batchSize: Int = 40, lease: String = "10s", maxAttempts: Int = 5, parameters: String) -> String {
        ProgramFixtures.campaignYAML(
            name: name, program: JobFairProgram.name, queue: queue, batchSize: batchSize, lease: lease,
            maxAttempts: maxAttempts, parameters: parameters)
    }

    /// The register the tests use: two units in 城东区, one each in 城西区, 城南区
    /// (which has no fair) and 临港区. `无名厂` is on the roster but not in the register.
    static let register = ["东一厂": "城东区", "东二厂": "城东区", "西厂": "城西区", "南厂": "城南区", "临港厂": "临港区"]
    static let units = ["东一厂", "东二厂", "西厂", "南厂", "无名厂", "临港厂"]

    /// Five fairs: 城东区's two apart in the file, 高新区's with nobody to invite.
    static let fairs: [FairReference.Fair] = [
        .init(name: "城东区春风招聘会", district: "城东区", capacity: 50),
        .init(name: "城西区就业援助招聘会", district: "城西区", capacity: 100),
        .init(name: "城东区返岗招聘会", district: "城东区", capacity: 40),
        .init(name: "临港区物流专场", district: "临港区", capacity: 30),
        .init(name: "高新区人才招聘会", district: "高新区", capacity: 10),
    ]

    /// `fairs: [...]` for a campaign's parameters.
    static func fairsYAML(_ fairs: [FairReference.Fair] = fairs) -> String {
        "fairs: [" + fairs.enumerated().map { index, fair in
            "{ name: \(fair.name), district: \(fair.district), date: 2027-02-\(20 + index), capacity: \(fair.capacity) }"
        }.joined(separator: ", ") + "]"
    }

    static func insertRegister(on pool: PostgresPool) async throws {
        let pairs = register.sorted { $0.key < $1.key }
        try await pool.query("""
            INSERT INTO benefit.org_unit (org_unit, district) SELECT * FROM unnest(\(pairs.map(\.key))::text[], \(pairs.map(\.value))::text[])
            """)
    }

    /// Members `prefix000001` … spread over ``units`` by `g % 6`, employment by
    /// `g % 5` (migrant, gig, staff, migrant, gig), hardship tier by `g % 7`
    /// (none, none, 1, 2, 3, none, none), frontline every third: few distinct
    /// combinations, so the seeded draw decides many ties.
    static func insertMembers(_ count: Int, from first: Int = 1, prefix: String = "J", on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, hardship_tier, frontline)
            SELECT \(prefix) || lpad(g::text, 6, '0'), 'Member ' || g, (\(units)::text[])[1 + g % 6], 'F', date '1980-01-01',
                   (ARRAY['migrant', 'gig', 'staff', 'migrant', 'gig'])[1 + g % 5], (ARRAY[NULL, NULL, 1, 2, 3, NULL, NULL]::smallint[])[1 + g % 7],
                   g % 3 = 0
            FROM generate_series(\(first), \(first + count - 1)) AS g
            """)
    }

    /// Where a member was placed: the fair, and their rank in the run that placed them.
    struct Place: Equatable, Sendable, CustomStringConvertible {
        let fair: String
        let rank: Int
        var description: String { "\(fair) #\(rank)" }
    }

    /// A waitlisted member's rank and reason.
    struct Waiting: Equatable, Sendable, CustomStringConvertible {
        let rank: Int
        let reason: String
        var description: String { "#\(rank) \(reason)" }
    }

    /// The campaign's places, member → place, through the administrators' view.
    static func placements(_ campaign: String, on pool: PostgresPool) async throws -> [String: Place] {
        let rows = try await pool.query("SELECT member_id, fair, rank FROM benefit.fair_places WHERE campaign = \(campaign)")
            .decode((String, String, Int).self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, Place(fair: $0.1, rank: $0.2)) })
    }

    /// The campaign's waitlist, member → rank and reason.
    static func waitlist(_ campaign: String, on pool: PostgresPool) async throws -> [String: Waiting] {
        let rows = try await pool.query("""
            SELECT member_id, rank, reason FROM benefit.waitlist WHERE campaign = \(campaign) AND program = 'job-fair'
            """).decode((String, Int, String).self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, Waiting(rank: $0.1, reason: $0.2)) })
    }

    /// Members per fair, `fair, capacity, members`, in file order.
    static func fill(_ campaign: String, on pool: PostgresPool) async throws -> [(fair: String, capacity: Int, members: Int)] {
        try await pool.query("""
            SELECT fair, capacity, places_filled FROM benefit.job_fairs WHERE campaign = \(campaign) ORDER BY position
            """).decode((String, Int, Int).self).map { (fair: $0.0, capacity: $0.1, members: $0.2) }
    }
}

/// The contract's placement, computed the plain way: members sorted in Swift
/// from the roster's raw attributes (district by its first fair in the file,
/// then the criteria, then the seeded draw), then placed one at a time, each
/// into the first fair of their district with a free place.
///
/// Only the seeded draw comes from SQL (`md5(seed::text || ':' || member_id)`),
/// the expression docs/programs.md gives for the tie-break.
struct FairReference {
    struct Member: Sendable {
        let id: String
        let orgUnit: String
        let employment: String
        let tier: Int?
        let frontline: Bool
        let draw: String
    }

    struct Fair: Sendable {
        let name: String
        let district: String
        let capacity: Int
    }

    var employment: [String] = ["migrant", "gig"]
    var fairs: [Fair] = JobFairFixtures.fairs
    var rankBy: [String] = ["hardship", "frontline"]
    var seed: Int
    var register: [String: String] = JobFairFixtures.register

    func roster(on pool: PostgresPool) async throws -> [Member] {
        try await pool.query("""
            SELECT member_id, org_unit, employment, hardship_tier::int, frontline, md5(\(seed)::text || ':' || member_id) FROM benefit.member
            """).decode((String, String, String, Int?, Bool, String).self).map {
            Member(id: $0.0, orgUnit: $0.1, employment: $0.2, tier: $0.3, frontline: $0.4, draw: $0.5)
        }
    }

    /// The position (0-based) of the first fair of the member's district; Int.max with none.
    func districtOrder(_ member: Member) -> Int {
        guard let district = register[member.orgUnit] else { return Int.max }
        return fairs.firstIndex { $0.district == district } ?? Int.max
    }

    func score(_ criterion: String, _ member: Member) -> Int {
        switch criterion {
        case "hardship": member.tier.map { 4 - $0 } ?? 0
        case "frontline": member.frontline ? 1 : 0
        default: fatalError("unknown criterion \(criterion)")
        }
    }

    func ranksBefore(_ a: Member, _ b: Member) -> Bool {
        if districtOrder(a) != districtOrder(b) { return districtOrder(a) < districtOrder(b) }
        for criterion in rankBy where score(criterion, a) != score(criterion, b) {
            return score(criterion, a) > score(criterion, b)
        }
        if a.draw != b.draw { return a.draw < b.draw }
        return a.id < b.id
    }

    /// Member → place, and the waitlist: member → rank and reason.
    func place(_ roster: [Member]) -> (placed: [String: JobFairFixtures.Place], waitlist: [String: JobFairFixtures.Waiting]) {
        let ranked = roster.filter { employment.contains($0.employment) }.sorted(by: ranksBefore)
        var free = fairs.map(\.capacity)
        var placed: [String: JobFairFixtures.Place] = [:]
        var waitlist: [String: JobFairFixtures.Waiting] = [:]
        for (index, member) in ranked.enumerated() {
            let rank = index + 1
            guard let district = register[member.orgUnit] else {
                waitlist[member.id] = .init(rank: rank, reason: "org unit \(member.orgUnit) has no district in the register")
                continue
            }
            let ofDistrict = fairs.indices.filter { fairs[$0].district == district }
            if ofDistrict.isEmpty {
                waitlist[member.id] = .init(rank: rank, reason: "no fair in district \(district)")
            } else if let fair = ofDistrict.first(where: { free[$0] > 0 }) {
                free[fair] -= 1
                placed[member.id] = .init(fair: fairs[fair].name, rank: rank)
            } else {
                let places = ofDistrict.reduce(0) { $0 + fairs[$1].capacity }
                waitlist[member.id] = .init(
                    rank: rank, reason: "all places at the fairs of \(district) are taken (\(places) places in \(ofDistrict.count) fairs)")
            }
        }
        return (placed, waitlist)
    }
}
