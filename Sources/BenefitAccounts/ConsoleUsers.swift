import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// The console's users: created, listed, disabled and given new passwords by
/// `benefit users` (as a benefit_operator login). Each change is recorded in the
/// audit trail in its own transaction, under the name of whoever made it.
public enum ConsoleUsers {
    /// Creates a user who may sign in with `password`.
    ///
    /// - Parameters:
    ///   - by: who creates it, as the audit trail records it (`OperatorIdentity.current`
    ///     on the command line, the console user's name in the console).
    /// - Throws: ``AccountsError`` (`invalidName`, `invalidPassword`, `nameTaken`);
    ///   `PostgresError` when the login may not create users.
    @discardableResult
    public static func add(name: String, role: ConsoleRole, password: String, by operatorName: String, on pool: PostgresPool) async throws -> ConsoleUser {
        try checkName(name)
        try checkPassword(password)
        let entry = try AuditEntry(.userAdd, target: name, reason: nil, by: operatorName, details: ["role": .text(role.rawValue)])
        let hash = try await ConsolePassword.hash(password)
        return try await pool.transaction { transaction in
            let id: Int
            do {
                id = try await transaction.query(ConsoleUserQueries.add(name: name, role: role, passwordHash: hash)).single(Int.self)
            } catch let error as PostgresError where error.isUniqueViolation {
                throw AccountsError(.nameTaken, "a console user named \(PrintableText.quoted(name)) exists already")
            }
            try await AuditTrail.record(entry.adding(["user": .integer(id)]), on: transaction)
            return try await user(named: name, on: transaction)
        }
    }

    /// Every user, by name.
    public static func list(on pool: PostgresPool) async throws -> [ConsoleUser] {
        try await pool.query(ConsoleUserQueries.list()).decode(ConsoleUserRow.columns).map(ConsoleUserRow.user)
    }

    /// Disables a user: they can no longer sign in, and their sessions end now.
    /// Returns false, and records nothing, when the user already was disabled.
    ///
    /// - Throws: ``AccountsError`` (`noSuchUser`); `AuditError` for a reason it refuses.
    @discardableResult
    public static func disable(name: String, reason: String? = nil, by operatorName: String, on pool: PostgresPool) async throws -> Bool {
        let entry = try AuditEntry(.userDisable, target: name, reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            guard let newly = try await transaction.query(ConsoleUserQueries.disable(name: name)).first(Bool.self) else {
                throw AccountsError(.noSuchUser, "no console user is named \(PrintableText.quoted(name))")
            }
            if newly { try await AuditTrail.record(entry, on: transaction) }
            return newly
        }
    }

    /// Gives a user a new password; their sessions end now, so whoever held one signs in again.
    ///
    /// - Throws: ``AccountsError`` (`invalidPassword`, `noSuchUser`).
    public static func setPassword(name: String, password: String, by operatorName: String, on pool: PostgresPool) async throws {
        try checkPassword(password)
        let entry = try AuditEntry(.userPasswd, target: name, reason: nil, by: operatorName)
        let hash = try await ConsolePassword.hash(password)
        try await pool.transaction { transaction in
            guard try await transaction.query(ConsoleUserQueries.setPassword(name: name, passwordHash: hash)).single(Bool.self) else {
                throw AccountsError(.noSuchUser, "no console user is named \(PrintableText.quoted(name))")
            }
            try await AuditTrail.record(entry, on: transaction)
        }
    }

    private static func user(named name: String, on connection: PostgresConnection) async throws -> ConsoleUser {
        try ConsoleUserRow.user(try await connection.query(ConsoleUserQueries.list(name: name)).single(ConsoleUserRow.columns))
    }

    private static func checkName(_ name: String) throws(AccountsError) {
        if let problem = ConsoleUser.nameProblem(name) { throw AccountsError(.invalidName, "user name: \(problem)") }
    }

    private static func checkPassword(_ password: String) throws(AccountsError) {
        if let problem = ConsolePassword.problem(password) { throw AccountsError(.invalidPassword, problem) }
    }
}
