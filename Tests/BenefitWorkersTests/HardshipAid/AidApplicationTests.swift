import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// Applications and their review: the program's rules held by the database,
/// for hand-written SQL by operator logins as for the command line.
@Suite("Hardship aid: applications and review")
struct AidApplicationTests {
    /// Runs `body` on a fresh database with the example members (20) and the campaign,
    /// and three operator logins: a clerk who records, and two reviewers.
    static func withRecorderAndReviewers(
        _ body: (_ owner: PostgresPool, _ clerk: PostgresConnection, _ first: PostgresConnection, _ second: PostgresConnection) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            try await AidFixtures.insertMembers(20, on: owner)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(), on: owner)
            try await TestDatabase.withLogins(3, memberOf: .operator, on: configuration) { logins in
                let connections = try await logins.asyncMap { try await PostgresConnection.connect(to: $0) }
                try await body(owner, connections[0], connections[1], connections[2])
            }
        }
    }

    /// The SQLSTATE and message the database refused `body` with.
    static func refusal(_ body: () async throws -> Void) async -> (state: String?, message: String) {
        do {
            try await body()
            return (nil, "not refused")
        } catch let error as PostgresError {
            return (error.sqlState, error.message)
        } catch {
            return (nil, "\(error)")
        }
    }

    @Test("hand-written SQL by operator logins is held to the caps and the two-reviewer rule, and every decision is audited")
    func capsAndTwoReviewersHoldForHandWrittenSQL() async throws {
        try await Self.withRecorderAndReviewers { owner, clerk, first, second in
            // A00001 is retired (the campaign takes staff and retired). 8,000 is above the two-reviewer threshold (5,000).
            let big = try await AidFixtures.recordBySQL("A00001", amount: "8000", on: clerk)
            // Nobody reviews what they recorded.
            let own = await Self.refusal { _ = try await AidFixtures.reviewBySQL(big, "approve", amount: "8000", on: clerk) }
            #expect(own.state == "42501" && own.message.contains("nobody reviews an application they recorded"), "\(own)")
            // The per-case cap of the category (illness: 20,000).
            let overCap = await Self.refusal { _ = try await AidFixtures.reviewBySQL(big, "approve", amount: "20000.01", on: first) }
            #expect(overCap.state == "23514" && overCap.message.contains("cap of 20000 per case"), "\(overCap)")
            // First approval above the threshold: still pending, awaiting a second reviewer.
            #expect(try await AidFixtures.reviewBySQL(big, "approve", amount: "8000", on: first) == "pending")
            let again = await Self.refusal { _ = try await AidFixtures.reviewBySQL(big, "approve", amount: "8000", on: first) }
            #expect(again.state == "42501" && again.message.contains("second, different reviewer"), "\(again)")
            let otherAmount = await Self.refusal { _ = try await AidFixtures.reviewBySQL(big, "approve", amount: "7000", on: second) }
            #expect(otherAmount.state == "23514", "\(otherAmount)")
            #expect(try await AidFixtures.reviewBySQL(big, "approve", amount: "8000", on: second) == "approved")
            let decided = await Self.refusal { _ = try await AidFixtures.reviewBySQL(big, "reject", on: first) }
            #expect(decided.state == "23514" && decided.message.contains("already approved"), "\(decided)")

            // The yearly cap (30,000): 8,000 approved; 20,000 more fits, then 2,001 does not.
            let second20k = try await AidFixtures.recordBySQL("A00001", amount: "20000", on: clerk)
            #expect(try await AidFixtures.reviewBySQL(second20k, "approve", amount: "20000", on: first) == "pending")
            #expect(try await AidFixtures.reviewBySQL(second20k, "approve", amount: "20000", on: second) == "approved")
            let third = try await AidFixtures.recordBySQL("A00001", category: "education", amount: "3000", on: clerk)
            let overYear = await Self.refusal { _ = try await AidFixtures.reviewBySQL(third, "approve", amount: "2001", on: first) }
            #expect(overYear.state == "23514" && overYear.message.contains("over the yearly cap of 30000"), "\(overYear)")
            // Small approvals need one reviewer.
            #expect(try await AidFixtures.reviewBySQL(third, "approve", amount: "2000", on: first) == "approved")

            // Members not on the roster, or not in a qualifying employment state, are refused with the reason.
            let absent = await Self.refusal { _ = try await AidFixtures.recordBySQL("Z99999", amount: "100", on: clerk) }
            #expect(absent.state == "23514" && absent.message.contains("Z99999 is not on the roster"), "\(absent)")
            let migrant = await Self.refusal { _ = try await AidFixtures.recordBySQL("A00002", amount: "100", on: clerk) }
            #expect(migrant.state == "23514" && migrant.message.contains("A00002 is migrant"), "\(migrant)")
            let category = await Self.refusal { _ = try await AidFixtures.recordBySQL("A00003", category: "lottery", amount: "100", on: clerk) }
            #expect(category.state == "23514" && category.message.contains("education, illness"), "\(category)")

            // No way round the functions: the tables take no write from an operator.
            for sql in [
                "UPDATE benefit.aid_application SET state = 'approved', approved_amount = 1, approval_seq = 999 WHERE id = \(third)",
                "INSERT INTO benefit.aid_payment (application_id, fund, amount, campaign_id, run_id, job_id) VALUES (\(big), 'mutual-aid', 8000, 1, 1, 1)",
                "UPDATE benefit.aid_fund SET balance = 1000000",
                "INSERT INTO benefit.aid_deposit (fund, amount, source, os_user) VALUES ('mutual-aid', 1, 'x', 'x')",
            ] {
                let refused = await Self.refusal { try await first.query(PostgresQuery(unsafeSQL: sql)) }
                #expect(refused.state == "42501", "\(sql): \(refused)")
            }

            // What stands, and the audit: every decision with its login and reason, in its transaction.
            let states = try await owner.query("SELECT status FROM benefit.aid_applications ORDER BY application_id").decode(String.self)
            #expect(states == ["approved", "approved", "approved"])
            let clerkName = try await clerk.query("SELECT session_user::text").single(String.self)
            let firstName = try await first.query("SELECT session_user::text").single(String.self)
            let secondName = try await second.query("SELECT session_user::text").single(String.self)
            let reviews = try await owner.query("""
                SELECT db_user, target, details->>'state' FROM benefit.audit WHERE action = 'aid.review' ORDER BY audit_id
                """).decode((String, String, String).self)
            #expect(reviews.map(\.0) == [firstName, secondName, firstName, secondName, firstName])
            #expect(reviews.map(\.2) == ["pending", "approved", "pending", "approved", "approved"])
            let applies = try await owner.query("SELECT db_user FROM benefit.audit WHERE action = 'aid.apply'").decode(String.self)
            #expect(applies == [clerkName, clerkName, clerkName])
            let (approvedBy, firstBy) = try await owner.query(
                "SELECT decided_by, first_reviewer FROM benefit.aid_applications WHERE application_id = \(big)").single((String, String).self)
            #expect(approvedBy == secondName && firstBy == firstName)
        }
    }

    @Test("8 reviewers approving one member's cases at once never pass the yearly cap: exactly what fits is approved")
    func concurrentApprovalsKeepTheYearlyCap() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await AidFixtures.insertMembers(4, on: owner)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(), on: owner)
            try await TestDatabase.withLogins(9, memberOf: .operator, on: configuration) { logins in
                let clerk = try await PostgresConnection.connect(to: logins[0])
                // Eight cases of 5,000 (one reviewer each: not above the threshold) for one member; 30,000 a year fit six.
                var ids: [Int] = []
                for _ in 1...8 { ids.append(try await AidFixtures.recordBySQL("A00001", amount: "5000", on: clerk)) }
                let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                    for (reviewer, id) in zip(logins.dropFirst(), ids) {
                        group.addTask {
                            let login = try await PostgresConnection.connect(to: reviewer)
                            do {
                                return try await AidFixtures.reviewBySQL(id, "approve", amount: "5000", on: login)
                            } catch let error as PostgresError where error.sqlState == "23514" {
                                return "refused"
                            }
                        }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(outcomes.sorted() == ["approved", "approved", "approved", "approved", "approved", "approved", "refused", "refused"])
                let approved = try await owner.query(
                    "SELECT coalesce(sum(approved_amount), 0) FROM benefit.aid_application WHERE member_id = 'A00001'").single(Decimal.self)
                #expect(approved == 30_000)
                #expect(try await owner.query("SELECT count(*) FROM benefit.audit WHERE action = 'aid.review'").single(Int.self) == 6)
            }
        }
    }

    @Test("a worker login can neither record, review nor deposit")
    func workersCannotDecide() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await AidFixtures.insertMembers(4, on: owner)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(), on: owner)
            try await TestDatabase.withLogin(memberOf: .worker, on: configuration) { worker in
                let record = await Self.refusal { _ = try await AidFixtures.recordBySQL("A00001", amount: "100", on: worker) }
                #expect(record.state == "42501", "\(record)")
                let deposit = await Self.refusal { try await worker.query("SELECT benefit.aid_deposit('mutual-aid', 100, 'x', 'x')") }
                #expect(deposit.state == "42501", "\(deposit)")
                let review = await Self.refusal { _ = try await AidFixtures.reviewBySQL(1, "reject", on: worker) }
                #expect(review.state == "42501", "\(review)")
            }
            #expect(try await owner.query("SELECT count(*) FROM benefit.aid_application").single(Int.self) == 0)
        }
    }

    @Test("the library's calls word the database's refusals and list applications by status")
    func libraryCallsWordRefusals() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await AidFixtures.insertMembers(8, on: owner)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(), on: owner)
            try await TestDatabase.withLogins(2, memberOf: .operator, on: configuration) { logins in
                let clerk = PostgresPool(configuration: logins[0], maxConnections: 1)
                let reviewer = PostgresPool(configuration: logins[1], maxConnections: 1)
                defer { clerk.close(); reviewer.close() }
                let draft = try AidApplicationDraft(memberID: "A00004", category: "education", amount: 1500, statement: "学费", evidence: ["录取通知书.pdf"])
                let id = try await AidApplications.record(draft, by: "clerk@ops", on: clerk)
                let own = await #expect(throws: AidError.self) { try await AidApplications.review(id, .approve(1500), reason: "ok", by: "clerk@ops", on: clerk) }
                #expect(own?.code == .refused)
                #expect(try await AidApplications.list(status: .pending, on: owner).map(\.id) == [id])
                #expect(try await AidApplications.review(id, .return, reason: "缺少证明", by: "li@ops", on: reviewer) == .returned)
                #expect(try await AidApplications.list(status: .pending, on: owner).isEmpty)
                #expect(try await AidApplications.list(status: .returned, on: owner).first?.reason == "缺少证明")
                let missing = await #expect(throws: AidError.self) {
                    try await AidApplications.record(draft, campaign: "no-such", by: "clerk@ops", on: clerk)
                }
                #expect(missing?.code == .notFound)
            }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
