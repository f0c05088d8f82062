import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient

/// Campaigns, members and awards for the hardship-aid tests.
enum AidFixtures {
    /// The queue the test campaigns use.
    static let queue = "aid"
    /// The fund the test campaigns pay from.
    static let fund = "mutual-aid"

    /// Caps: illness 20,000 a case, education 8,000; 30,000 a member a year; two
    /// reviewers above 5,000; staff and retired members qualify.
    static let parameters = """
        { fund: \(fund), employment: [staff, retired], categories: { illness: 20000, education: 8000 },
          yearlyCap: 30000, dualReviewAbove: 5000 }
        """

    /// The campaign `hardship-aid` on the aid queue.
    static func campaignYAML(name: String = "hardship-aid", batchSize: Int = 10, lease: String = "10s", maxAttempts: Int = 5) -> String {
        ProgramFixtures.campaignYAML(
            name: name, program: HardshipAidProgram.name, queue: queue, batchSize: batchSize, lease: lease,
            maxAttempts: maxAttempts, parameters: parameters)
    }

    /// Members `A00001` … `A{count}`: by `g % 4`, 0 staff, 1 retired, 2 migrant (who does not qualify), 3 staff;
    /// org units `Unit 0` … `Unit 4`.
    static func insertMembers(_ count: Int, on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
            SELECT 'A' || lpad(g::text, 5, '0'), 'Member ' || g, 'Unit ' || (g % 5), CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                   date '1965-01-01' + (g % 9000)::int, (ARRAY['staff', 'retired', 'migrant', 'staff'])[1 + g % 4]
            FROM generate_series(1, \(count)) AS g
            """)
    }

    /// `count` awards approved straight in the table by the owner (who may write it),
    /// one per qualifying member from `A00001` on, in member order; the amount of the
    /// n-th is `100 * (1 + n % 7)` yuan. For runs' tests, whose subject is paying.
    static func insertApprovedAwards(_ count: Int, on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.aid_application (campaign_id, member_id, category, requested, statement, recorded_by,
                recorded_os_user, state, decided_by, decided_os_user, decided_at, decision_reason, approved_amount, approval_seq)
            SELECT c.id, m.member_id, 'illness', 100 * (1 + m.n % 7), 'test case', 'clerk', 'clerk@test', 'approved',
                   'reviewer', 'reviewer@test', now(), 'test', 100 * (1 + m.n % 7), m.n
            FROM (SELECT member_id, row_number() OVER (ORDER BY member_id) AS n FROM benefit.member
                  WHERE employment IN ('staff', 'retired') ORDER BY member_id LIMIT \(count)) m,
                 benefit.campaign c
            WHERE c.name = 'hardship-aid'
            """)
        try await pool.query("SELECT setval('benefit.aid_approval_seq', (SELECT max(approval_seq) FROM benefit.aid_application))")
    }

    /// Payments by approval order: `approval_seq, amount`.
    static func paidSeqs(on pool: PostgresPool) async throws -> [Int] {
        try await pool.query("""
            SELECT a.approval_seq FROM benefit.aid_payment p JOIN benefit.aid_application a ON a.id = p.application_id
            ORDER BY a.approval_seq
            """).decode(Int.self)
    }

    /// The amounts of awards in approval order (seq 1, 2, …), as ``insertApprovedAwards(_:on:)`` makes them.
    static func awardAmounts(_ count: Int) -> [Decimal] {
        (1...count).map { Decimal(100 * (1 + $0 % 7)) }
    }

    /// Payments: `application_id, amount`, by application.
    static func payments(on pool: PostgresPool) async throws -> [(id: Int, amount: Decimal)] {
        try await pool.query("SELECT application_id, amount FROM benefit.aid_payment ORDER BY application_id")
            .decode((Int, Decimal).self).map { (id: $0.0, amount: $0.1) }
    }

    /// The fund's row: `deposited, paid, balance`.
    static func fundRow(on pool: PostgresPool) async throws -> (deposited: Decimal, paid: Decimal, balance: Decimal) {
        try await pool.query("SELECT deposited, paid, balance FROM benefit.aid_fund WHERE fund = \(fund)")
            .single((Decimal, Decimal, Decimal).self)
    }

    /// Records a draft as `login` through the database function, as hand-written SQL would.
    static func recordBySQL(_ member: String, category: String = "illness", amount: String, on login: PostgresConnection) async throws -> Int {
        try await login.query("""
            SELECT (benefit.aid_record_applications('hardship-aid',
                jsonb_build_array(jsonb_build_object('member_id', \(member)::text, 'category', \(category)::text,
                                                     'amount', \(amount)::text, 'statement', 'by hand', 'evidence', '[]'::jsonb)),
                'hand@sql', NULL))[1]
            """).single(Int.self)
    }

    /// Reviews as `login` through the database function; returns the state after it.
    static func reviewBySQL(_ id: Int, _ decision: String, amount: String? = nil, on login: PostgresConnection) async throws -> String {
        try await login.query("SELECT benefit.aid_review(\(id), \(decision), \(amount)::numeric, 'by hand', 'hand@sql')").single(String.self)
    }
}
