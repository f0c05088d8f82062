import BenefitCore
import Logging
import PostgresClient

/// Chooses one leader among any number of `benefit scheduler` processes.
///
/// The leader holds the single row of `benefit.scheduler_lease` until
/// `expires_at`, and renews it on every tick. Another scheduler takes the row
/// only once it has expired, so after a leader dies (or is cut off from the
/// database) a new one leads within one lease time.
///
/// How it fails: a leader that stalls past its lease (a long GC-like pause, a
/// network cut) may still *believe* it leads for a moment while another has taken
/// over. Leadership is therefore only an optimization, never the guarantee: run
/// creation locks the campaign row and re-reads `scheduled_through`, and
/// `(campaign_id, fire_time)` is unique, so two leaders at once still create each
/// run once. Expiry is judged by the database clock only.
public struct LeaderElector: Sendable {
    public struct Configuration: Sendable {
        /// How long leadership lasts without renewal. Default 10 s.
        public var lease: Duration = .seconds(10)
        public init() {}
    }

    let pool: PostgresPool
    let holder: String
    let configuration: Configuration

    public init(pool: PostgresPool, holder: String, configuration: Configuration = Configuration()) {
        self.pool = pool
        self.holder = holder
        self.configuration = configuration
    }

    /// Takes or renews leadership; true when this holder leads until the lease ends.
    public func tryLead() async throws -> Bool {
        try await pool.query(SchedulerLeaseQueries.acquire(holder: holder, leaseMilliseconds: configuration.lease.wholeMilliseconds))
            .first(String.self) != nil
    }

    /// Gives leadership up (graceful shutdown), so another scheduler need not wait for expiry.
    public func resign() async throws {
        try await pool.query(SchedulerLeaseQueries.resign(holder: holder))
    }
}
