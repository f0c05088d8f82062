import Foundation
import PostgresClient

/// The product's least-privilege roles (migrations/0003_campaigns.sql), for
/// tests that check what each may and may not do.
public enum DatabaseRole: String, Sendable {
    /// Reads the administrators' views and nothing else.
    case admin = "benefit_admin"
    /// Runs jobs and the scheduler; cannot change campaigns.
    case worker = "benefit_worker"
    /// Applies and drives campaigns, imports the roster, cancels and retries.
    case `operator` = "benefit_operator"
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

    /// Runs `body` with a connection that logs in as a new role, member of `role`
    /// only, on the database of `configuration`; the role is dropped at the end.
    public static func withLogin<Result: Sendable>(
        memberOf role: DatabaseRole, on configuration: PostgresConfiguration,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withLogins([role], on: configuration) { logins in
            try await body(try await PostgresConnection.connect(to: logins[role]!))
        }
    }

    /// Runs `body` with, for each of `roles`, the configuration of a new login that
    /// is a member of that role only, on the database of `configuration`: what a
    /// least-privilege deployment gives its processes (`DATABASE_URL` from
    /// ``url(of:)``). The logins are dropped at the end, also when `body` throws.
    public static func withLogins<Result: Sendable>(
        _ roles: [DatabaseRole], on configuration: PostgresConfiguration,
        _ body: ([DatabaseRole: PostgresConfiguration]) async throws -> Result
    ) async throws -> Result {
        try await withDistinctLogins(roles, on: configuration) { logins in
            try await body(Dictionary(zip(roles, logins), uniquingKeysWith: { _, last in last }))
        }
    }

    /// Runs `body` with the configurations of `count` new logins, each a member of
    /// `role` only and each its own person to the database (its own
    /// `session_user`): two reviewers, say. Dropped at the end, as ``withLogins(_:on:_:)``.
    public static func withLogins<Result: Sendable>(
        _ count: Int, memberOf role: DatabaseRole, on configuration: PostgresConfiguration,
        _ body: ([PostgresConfiguration]) async throws -> Result
    ) async throws -> Result {
        try await withDistinctLogins(Array(repeating: role, count: count), on: configuration, body)
    }

    /// One new login per element of `roles`, in order, member of that role only.
    private static func withDistinctLogins<Result: Sendable>(
        _ roles: [DatabaseRole], on configuration: PostgresConfiguration,
        _ body: ([PostgresConfiguration]) async throws -> Result
    ) async throws -> Result {
        let server = try await PostgresConnection.connect(to: try server())
        var logins: [PostgresConfiguration] = []
        var names: [String] = []
        func dropAll() async {
            for name in names { _ = try? await server.query("DROP ROLE IF EXISTS \(identifier: name)") }
        }
        do {
            for role in roles {
                let name = "login_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
                try await server.query("CREATE ROLE \(identifier: String(name)) LOGIN IN ROLE \(identifier: role.rawValue)")
                names.append(String(name))
                logins.append(configuration.with(user: String(name)))
            }
            let result = try await body(logins)
            await dropAll()
            return result
        } catch {
            await dropAll()
            throw error
        }
    }
}
