import BenefitCore
import Foundation
import PostgresClient

/// The demo's small hardship-aid round, before its runs: a clerk records
/// applications for a dozen members, two reviewers decide them (the larger
/// awards need both), and a donation goes into the fund that the
/// `hardship-aid` campaign's run then pays from, in approval order.
///
/// The database knows reviewers by their login (`session_user`), and nobody may
/// review what they recorded, so the round needs three logins. The demo makes
/// three roles without a password, members of `benefit_operator` only, and acts
/// as each with `SET SESSION AUTHORIZATION`, which only a superuser may do: on a
/// server where the demo's login is not one, the round is left out.
enum DemoAidRound {
    /// What the round left for the run to pay.
    struct Summary: Sendable {
        var recorded = 0
        var approved = 0
        /// Approved by two reviewers (above the campaign's threshold).
        var approvedTwice = 0
        var rejected = 0
        var returned = 0
        var deposited: Decimal = 0
    }

    static let clerk = "benefit_demo_aid_clerk"
    static let reviewers = ["benefit_demo_aid_reviewer_a", "benefit_demo_aid_reviewer_b"]
    static let fund = "mutual-aid"
    /// Less than the awards approved: the run pays the first ones and waitlists the rest.
    static let donation: Decimal = 40_000

    /// The cases: category, yuan asked, what the first reviewer does (the amount
    /// approved, or nil to reject; the last case is sent back).
    static let cases: [(category: String, amount: Decimal, statement: String)] = [
        ("illness", 12_000, "住院治疗，自付部分较高"),
        ("medical", 4_000, "慢性病长期用药"),
        ("disaster", 15_000, "房屋受灾，需修缮"),
        ("education", 6_000, "子女大学学费"),
        ("employment", 3_000, "下岗后再就业培训"),
        ("illness", 8_000, "手术后康复"),
        ("medical", 2_500, "门诊费用"),
        ("education", 4_500, "子女高中学费"),
        ("disaster", 9_000, "家中失火"),
        ("illness", 5_000, "家属重病"),
        ("employment", 2_000, "求职期间生活困难"),
        ("medical", 3_500, "材料不全"),
    ]

    /// Runs the round on `configuration`'s database; nil when its login is no superuser.
    static func run(on configuration: PostgresConfiguration, pool: PostgresPool) async throws -> Summary? {
        guard try await pool.query("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user").single(Bool.self) else {
            return nil
        }
        // Approvals above the campaign's threshold need the second reviewer.
        let threshold = try await pool.query("""
            SELECT (definition #>> '{parameters,dualReviewAbove}')::numeric FROM benefit.campaign WHERE name = \(AidApplications.defaultCampaign)
            """).single(Decimal.self)
        // Cluster-wide roles: made once, kept for the next demo (they cannot log in).
        try await pool.query("""
            DO $$
            DECLARE
                r text;
            BEGIN
                FOREACH r IN ARRAY ARRAY['benefit_demo_aid_clerk', 'benefit_demo_aid_reviewer_a', 'benefit_demo_aid_reviewer_b'] LOOP
                    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
                        EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE benefit_operator', r);
                    END IF;
                END LOOP;
            END
            $$
            """)
        let members = try await pool.query("""
            SELECT member_id FROM benefit.member
            WHERE employment IN ('staff', 'retired') AND left_on IS NULL
            ORDER BY member_id COLLATE "C" LIMIT \(cases.count)
            """).decode(String.self)
        var summary = Summary()
        let drafts = try zip(members, cases).map { member, aidCase in
            try AidApplicationDraft(
                memberID: member, category: aidCase.category, amount: aidCase.amount, statement: aidCase.statement,
                evidence: ["demo-\(member).pdf"])
        }
        let ids = try await acting(as: clerk, on: configuration) { connection in
            try await connection.transaction { transaction in
                try await AidApplications.record(drafts, from: "demo", by: OperatorIdentity.current, on: transaction)
            }
        }
        summary.recorded = ids.count
        let decisions: [(id: Int, amount: Decimal)] = zip(ids, drafts.map(\.amount)).map { ($0, $1) }
        try await acting(as: reviewers[0], on: configuration) { connection in
            for (index, decision) in decisions.enumerated() {
                if index == decisions.count - 1 {
                    _ = try await AidApplications.review(decision.id, .return, reason: "请补充发票", by: OperatorIdentity.current, on: connection)
                    summary.returned += 1
                } else if index == 4 {
                    _ = try await AidApplications.review(decision.id, .reject, reason: "不符合帮扶条件", by: OperatorIdentity.current, on: connection)
                    summary.rejected += 1
                } else {
                    _ = try await AidApplications.review(decision.id, .approve(decision.amount), reason: "材料齐全", by: OperatorIdentity.current, on: connection)
                }
            }
        }
        try await acting(as: reviewers[1], on: configuration) { connection in
            for (index, decision) in decisions.enumerated() where index != 4 && index != decisions.count - 1 && decision.amount > threshold {
                _ = try await AidApplications.review(decision.id, .approve(decision.amount), reason: "复核同意", by: OperatorIdentity.current, on: connection)
                summary.approvedTwice += 1
            }
        }
        summary.approved = decisions.count - summary.rejected - summary.returned
        _ = try await AidFund.deposit(donation, into: fund, source: "职工爱心捐款", by: OperatorIdentity.current, on: pool)
        summary.deposited = donation
        return summary
    }

    /// Runs `body` on a connection of its own whose session user is `role`.
    private static func acting<Value: Sendable>(
        as role: String, on configuration: PostgresConfiguration, _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let connection = try await PostgresConnection.connect(to: configuration)
        try await connection.query("SET SESSION AUTHORIZATION \(identifier: role)")
        return try await body(connection)
    }
}
