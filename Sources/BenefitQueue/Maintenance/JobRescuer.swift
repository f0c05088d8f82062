import BenefitCore
import CoreMetrics
import Logging
import PostgresClient

/// Takes back jobs whose lease expired (their worker died, hung or lost the
/// network): available again, or dead when attempts are used up.
///
/// Runs on every worker. Several rescuers at once are safe: each pass locks the
/// expired rows it takes with SKIP LOCKED, so two never take the same job.
/// What it takes is counted in `benefit_leases_expired_total`.
public struct JobRescuer: Sendable {
    public struct Configuration: Sendable {
        /// Time between passes. Default 2 s.
        public var interval: Duration = .seconds(2)
        /// Most jobs taken per pass. Default 1,000.
        public var batchSize = 1_000
        public init() {}
    }

    /// What one pass did.
    public struct Result: Sendable, Equatable {
        public var madeAvailable = 0
        public var madeDead = 0
        public var total: Int { madeAvailable + madeDead }
    }

    let pool: PostgresPool
    let configuration: Configuration
    let logger: Logger
    private let expired = Counter(label: "benefit_leases_expired_total")

    public init(pool: PostgresPool, configuration: Configuration = Configuration(), logger: Logger) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
    }

    /// One pass; logs only when it rescued something.
    @discardableResult
    public func runOnce() async throws -> Result {
        var result = Result()
        for (state, count) in try await pool.query(JobQueries.rescueExpired(limit: configuration.batchSize)).decode((String, Int).self) {
            if JobState(rawValue: state) == .dead { result.madeDead += count } else { result.madeAvailable += count }
        }
        if result.total > 0 {
            expired.increment(by: result.total)
            logger.notice("rescued jobs with expired leases", metadata: [
                "available": "\(result.madeAvailable)", "dead": "\(result.madeDead)",
            ])
        }
        return result
    }
}
