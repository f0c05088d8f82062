import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// How a claim's transaction commits (migrations/0034_claim_fast_path.sql): without
/// waiting for its flush when the claim is its first write, durably otherwise.
@Suite("Queue: the claim's commit")
struct ClaimCommitTests {
    private static let claimOne: PostgresQuery = "SELECT count(*) FROM benefit.claim_jobs(ARRAY['q'], 1, 'w', 'h', 1)"
    private static let commitSetting: PostgresQuery = "SELECT current_setting('synchronous_commit')"

    @Test("a claim that is its transaction's first write commits without waiting for its flush; one after a completion, durably; the session keeps its own setting")
    func claimAloneCommitsAsynchronously() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .worker) { _, login in
            let queue = JobQueue(pool: login)
            #expect(try await queue.enqueueBulk((0..<2).map { _ in NewJob(kind: "noop", queue: "q") }) == 2)
            try await login.withConnection { connection in
                let alone = try await connection.transaction { (transaction: PostgresConnection) async throws -> (Int?, String?) in
                    let claimed = try await transaction.query(Self.claimOne).first(Int.self)
                    return (claimed, try await transaction.query(Self.commitSetting).first(String.self))
                }
                #expect(alone.0 == 1)
                #expect(alone.1 == "off")
                let afterwards = try await connection.query(Self.commitSetting).first(String.self)
                #expect(afterwards == "on")
            }

            // A busy worker's completions go first in the claim's transaction: they stay durable.
            let held = try await queue.claim(queues: ["q"], limit: 1, worker: WorkerIdentity(name: "t"))
            let lease = try #require(held.first).leaseKey
            try await login.withConnection { connection in
                let afterCompletion = try await connection.transaction { (transaction: PostgresConnection) async throws -> (Int?, Int?, String?) in
                    let completed = try await transaction.query("""
                        SELECT count(*) FROM benefit.complete_jobs(\([lease.jobID]), \([lease.token.rawValue]), \([lease.secret]))
                        """).first(Int.self)
                    let claimed = try await transaction.query(Self.claimOne).first(Int.self)
                    return (completed, claimed, try await transaction.query(Self.commitSetting).first(String.self))
                }
                #expect(afterCompletion.0 == 1)
                #expect(afterCompletion.1 == 0)
                #expect(afterCompletion.2 == "on")
            }
            let states = try await login.query("SELECT state, count(*) FROM benefit.job GROUP BY state ORDER BY state").decode((String, Int).self)
            #expect(states.map { "\($0.0) \($0.1)" } == ["running 1", "succeeded 1"])
        }
    }
}
