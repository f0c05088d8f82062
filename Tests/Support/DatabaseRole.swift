import BenefitScheduler

/// The product's least-privilege roles (migrations/0003_campaigns.sql), for
/// tests that check what each may and may not do.
public enum DatabaseRole: String, Sendable {
    /// Reads the administrators' views and nothing else.
    case admin = "benefit_admin"
    /// Runs jobs; cannot change campaigns.
    case worker = "benefit_worker"
}

extension PostgresConnection {
    /// Runs `body` in a transaction acting as `role` (`SET LOCAL ROLE`), which
    /// ends with it: the connection is itself again afterwards.
    public func acting<Result: Sendable>(
        as role: DatabaseRole, _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction { transaction in
            try await transaction.query("SET LOCAL ROLE \(identifier: role.rawValue)")
            return try await body(transaction)
        }
    }
}
