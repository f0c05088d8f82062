import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// A member who left the union (migration 0021) is out of hardship aid as of
/// every other program: no application, no review, no payment.
@Suite("Hardship aid: members who left")
struct AidMembershipTests {
    @Test("a run does not pay the award of a member who left before its date; nobody records or approves aid for them")
    func leftMembersAreNotPaid() async throws {
        try await AidApplicationTests.withRecorderAndReviewers { owner, clerk, first, _ in
            try await AidFixtures.insertApprovedAwards(4, on: owner)
            let awards = try await owner.query("SELECT id, member_id FROM benefit.aid_application ORDER BY approval_seq")
                .decode((Int, String).self)
            let gone = awards[1].1
            try await owner.query("""
                UPDATE benefit.member SET left_on = date '2001-01-01', left_reason = 'transferred' WHERE member_id = \(gone)
                """)
            // Recording and approving are refused with the reason.
            let recorded = await AidApplicationTests.refusal { _ = try await AidFixtures.recordBySQL(gone, amount: "1000", on: clerk) }
            #expect(recorded.message.contains("member \(gone) left the union on 2001-01-01"), "\(recorded)")
            try await owner.query("UPDATE benefit.member SET left_on = NULL, left_reason = NULL WHERE member_id = \(gone)")
            let pending = try await AidFixtures.recordBySQL(gone, amount: "1000", on: clerk)
            try await owner.query("""
                UPDATE benefit.member SET left_on = date '2001-01-01', left_reason = 'transferred' WHERE member_id = \(gone)
                """)
            let reviewed = await AidApplicationTests.refusal { _ = try await AidFixtures.reviewBySQL(pending, "approve", amount: "1000", on: first) }
            #expect(reviewed.message.contains("left the union"), "\(reviewed)")

            // The run pays the other three awards, in approval order, and not the leaver's.
            _ = try await AidFund.deposit(100_000, into: AidFixtures.fund, source: "opening", by: "test@ops", on: owner)
            let run = try await ProgramFixtures.runToEnd("hardship-aid", queue: AidFixtures.queue, pool: owner)
            #expect(run.state == .succeeded && run.membersTotal == 3)
            let paid = try await owner.query("SELECT application_id FROM benefit.aid_payment ORDER BY application_id").decode(Int.self)
            #expect(paid == [awards[0].0, awards[2].0, awards[3].0])

            // One member's file (一户一档) shows the application and the payment, with its amount;
            // every kind the view writes is one the console labels.
            let history = try await owner.query("""
                SELECT kind, amount FROM benefit.member_history WHERE member_id = \(awards[0].1) ORDER BY at, kind
                """).decode((String, Decimal?).self)
            let amount = try await owner.query("SELECT amount FROM benefit.aid_payment WHERE application_id = \(awards[0].0)").single(Decimal.self)
            #expect(history.filter { $0.0 == "aid-application" }.count == 1)
            #expect(history.filter { $0.0 == "aid-payment" }.map(\.1) == [amount])
            let kinds = try await owner.query("SELECT DISTINCT kind FROM benefit.member_history").decode(String.self)
            #expect(Set(kinds).isSubset(of: MemberFile.Entry.Kind.known.map(\.rawValue)), "\(kinds)")
        }
    }
}
