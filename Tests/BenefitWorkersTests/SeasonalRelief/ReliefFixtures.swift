import BenefitQueue
import BenefitWorkers
import Foundation
import PostgresClient

/// Rosters, campaigns and workers for the seasonal-relief tests.
enum ReliefFixtures {
    /// The queue the test campaigns use.
    static let queue = "relief"

    /// Members `M000001` … `M{count}` (so "C" order is numeric order), all in
    /// `tier`, all staff. Written straight into the roster with one statement.
    static func insertUniformMembers(_ count: Int, tier: Int, from first: Int = 1, on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, hardship_tier)
            SELECT 'M' || lpad(g::text, 6, '0'), 'Member ' || g, 'Unit ' || (g % 40), CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                   date '1970-01-01' + (g % 9000)::int, 'staff', \(tier)
            FROM generate_series(\(first), \(first + count - 1)) AS g
            """)
    }

    /// Members `M000001` … with every tier and no tier: by `g % 10`, 0 is tier 1,
    /// 1–2 tier 2, 3–5 tier 3, 6–9 none; every third member is frontline.
    static func insertMixedMembers(_ count: Int, on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, hardship_tier, frontline)
            SELECT 'M' || lpad(g::text, 6, '0'), 'Member ' || g, 'Unit ' || (g % 40), CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                   date '1970-01-01' + (g % 9000)::int, (ARRAY['staff', 'retired', 'migrant', 'gig'])[1 + g % 4],
                   CASE WHEN g % 10 = 0 THEN 1 WHEN g % 10 IN (1, 2) THEN 2 WHEN g % 10 IN (3, 4, 5) THEN 3 END,
                   g % 3 = 0
            FROM generate_series(1, \(count)) AS g
            """)
    }

    /// A seasonal-relief campaign file; `parameters` is a YAML flow mapping.
    static func campaignYAML(
        name: String, batchSize: Int = 250, lease: String = "10s", maxAttempts: Int = 5, priority: Int = 0, parameters: String
    ) -> String {
        ProgramFixtures.campaignYAML(
            name: name, program: SeasonalReliefProgram.name, queue: queue, batchSize: batchSize, lease: lease,
            maxAttempts: maxAttempts, priority: priority, parameters: parameters)
    }

    /// An in-process worker on the relief queue running the real programs.
    static func worker(pool: PostgresPool, name: String, concurrency: Int = 2) -> Worker {
        ProgramFixtures.worker(pool: pool, queue: queue, name: name, concurrency: concurrency)
    }

    /// Runs `body` while `count` in-process workers on the relief queue and a run finisher run.
    static func withWorkers<Result: Sendable>(
        _ count: Int, pool: PostgresPool, concurrency: Int = 2, _ body: () async throws -> Result
    ) async throws -> Result {
        try await ProgramFixtures.withWorkers(count, queue: queue, pool: pool, concurrency: concurrency, body)
    }

    /// The campaign's grants, `member_id, amount, tier`, by member.
    static func grants(on pool: PostgresPool) async throws -> [Grant] {
        try await pool.query("SELECT member_id, amount, tier FROM benefit.grant ORDER BY member_id COLLATE \"C\"")
            .decode((String, Decimal, Int?).self).map { Grant(member: $0.0, amount: $0.1, tier: $0.2) }
    }

    /// The waitlist, `member_id, reason`, by member.
    static func waitlist(on pool: PostgresPool) async throws -> [WaitlistEntry] {
        try await pool.query("SELECT member_id, rank, reason FROM benefit.waitlist_entry ORDER BY member_id COLLATE \"C\"")
            .decode((String, Int, String).self).map { WaitlistEntry(member: $0.0, rank: $0.1, reason: $0.2) }
    }

    /// A cycle's ledger: `budget, spent`.
    static func ledger(_ campaign: String, cycle: String, on pool: PostgresPool) async throws -> (budget: Decimal, spent: Decimal)? {
        try await pool.query("""
            SELECT b.budget, b.spent FROM benefit.relief_budget b JOIN benefit.campaign c ON c.id = b.campaign_id
            WHERE c.name = \(campaign) AND b.cycle = \(cycle)
            """).first((Decimal, Decimal).self).map { (budget: $0.0, spent: $0.1) }
    }

    struct Grant: Equatable, Sendable {
        let member: String
        let amount: Decimal
        let tier: Int?
    }

    struct WaitlistEntry: Equatable, Sendable {
        let member: String
        let rank: Int
        let reason: String
    }
}
