import Foundation
import PostgresClient

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

extension TestDatabase {
    /// A fresh migrated database and a pool on it that logs in as a new role,
    /// member of `role` only: what a least-privilege deployment's daemon gets.
    /// The role is dropped at the end, also when `body` throws.
    public static func withFreshLogin<Result: Sendable>(
        memberOf role: DatabaseRole,
        _ body: (_ configuration: PostgresConfiguration, _ login: PostgresPool) async throws -> Result
    ) async throws -> Result {
        let name = "login_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let server = try await PostgresConnection.connect(to: try server())
        let drop: PostgresQuery = "DROP ROLE IF EXISTS \(identifier: String(name))"
        do {
            let result = try await withFresh(migrated: true) { configuration in
                // After migrating: the migrations create the product's roles on a new cluster.
                try await server.query("CREATE ROLE \(identifier: String(name)) LOGIN IN ROLE \(identifier: role.rawValue)")
                let login = PostgresPool(configuration: configuration.with(user: String(name)), maxConnections: 8)
                defer { login.close() }
                return try await body(configuration, login)
            }
            try await server.query(drop)
            return result
        } catch {
            _ = try? await server.query(drop)
            throw error
        }
    }
}
