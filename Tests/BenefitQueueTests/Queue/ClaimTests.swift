import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// What a claim returns and how its transaction commits: workers of this release
/// call `claim_jobs_with_timeouts` (0035), those of the release before
/// `claim_jobs` and `job_timeouts`, which stay until a later release drops them.
@Suite("Queue: the claim")
struct ClaimTests {
    /// Both claims, as a worker login calls them.
    enum Claim: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case releaseBefore = "claim_jobs"
        case thisRelease = "claim_jobs_with_timeouts"

        var one: PostgresQuery {
            switch self {
            case .releaseBefore: "SELECT count(*) FROM benefit.claim_jobs(ARRAY['q'], 1, 'w', 'h', 1)"
            case .thisRelease: "SELECT count(*) FROM benefit.claim_jobs_with_timeouts(ARRAY['q'], 1, 'w', 'h', 1)"
            }
        }

        var testDescription: String { rawValue }
    }

    private static let commitSetting: PostgresQuery = "SELECT current_setting('synchronous_commit')"

    @Test("a claim that is its transaction's first write commits without waiting for its flush; one after a completion, durably; the session keeps its own setting",
          arguments: Claim.allCases)
    func claimAloneCommitsAsynchronously(_ claim: Claim) async throws {
        try await TestDatabase.withFreshLogin(memberOf: .worker) { _, login in
            let queue = JobQueue(pool: login)
            #expect(try await queue.enqueueBulk((0..<2).map { _ in NewJob(kind: "noop", queue: "q") }) == 2)
            try await login.withConnection { connection in
                let alone = try await connection.transaction { (transaction: PostgresConnection) async throws -> (Int?, String?) in
                    let claimed = try await transaction.query(claim.one).first(Int.self)
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
                    let claimed = try await transaction.query(claim.one).first(Int.self)
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

    @Test("a claim returns each job's timeout with it, and the release before's claim statement still claims beside it")
    func claimReturnsTimeouts() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .worker) { _, login in
            let queue = JobQueue(pool: login)
            let jobs = (0..<8).map { NewJob(kind: "noop", queue: "t", timeout: $0.isMultiple(of: 2) ? .milliseconds(1_000 + $0) : nil) }
            let ids = try await login.transaction { try await JobQueue.enqueueMany(jobs, on: $0) }

            let claimed = try await queue.claim(queues: ["t"], limit: 4, worker: WorkerIdentity(name: "now"))
            // The statement a worker of the release before sends (JobQueries.claim until 0035).
            let before = try await login.query("""
                WITH claimed AS MATERIALIZED (
                    SELECT * FROM benefit.claim_jobs(ARRAY['t'], 4, 'before', 'h', 1)
                )
                SELECT c.id, t.timeout_ms
                FROM claimed c LEFT JOIN benefit.job_timeouts(ARRAY(SELECT id FROM claimed)) t ON t.id = c.id
                ORDER BY c.priority, c.run_at, c.id
                """).decode((Int, Int?).self)

            #expect(claimed.count == 4)
            #expect(before.count == 4)
            let seen = claimed.map { "\($0.id): \($0.timeout?.wholeMilliseconds ?? 0)" } + before.map { "\($0.0): \($0.1 ?? 0)" }
            #expect(seen.sorted() == zip(ids, jobs).map { "\($0): \($1.timeout?.wholeMilliseconds ?? 0)" }.sorted())
            #expect(claimed.compactMap(\.timeout).count + before.compactMap(\.1).count == 4)
        }
    }
}
