import BenefitAudit
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@testable import BenefitAccounts

/// `benefit users` as a library, against a real PostgreSQL, as a benefit_operator login.
@Suite("Console users")
struct ConsoleUsersTests {
    init() {
        // bcrypt at its lowest cost: these tests check what is stored and refused, not its strength.
        ConsolePassword.cost.withLock { $0 = 4 }
    }

    static let password = "correct horse battery"

    @Test("an operator login adds, lists, disables and re-passwords users, each change audited under who made it")
    func addListDisablePasswd() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            let alice = try await ConsoleUsers.add(name: "alice", role: .viewer, password: Self.password, by: "carol@ops-1", on: login)
            try await ConsoleUsers.add(name: "王丽", role: .operator, password: "另一个很长的密码口令十二", by: "carol@ops-1", on: login)
            #expect(alice.name == "alice" && alice.role == .viewer && alice.disabledAt == nil && alice.lastLoginAt == nil)
            #expect(try await ConsoleUsers.list(on: login).map(\.name) == ["alice", "王丽"])

            #expect(try await ConsoleUsers.disable(name: "王丽", reason: "left the union office", by: "carol@ops-1", on: login))
            #expect(try await ConsoleUsers.disable(name: "王丽", by: "carol@ops-1", on: login) == false)
            #expect(try await ConsoleUsers.list(on: login).last?.disabledAt != nil)
            try await ConsoleUsers.setPassword(name: "alice", password: "a brand new passphrase", by: "dave@ops-2", on: login)

            let (hash, changed) = try await owner.query(
                "SELECT password_hash, password_changed_at > created_at FROM benefit.console_user WHERE name = 'alice'"
            ).single((String, Bool).self)
            #expect(hash.hasPrefix("$2b$04$") && !hash.contains("passphrase"))
            #expect(changed)

            let audit = try await owner.query("""
                SELECT action, target_type, target, os_user, reason, details->>'role' FROM benefit.audit ORDER BY audit_id
                """).decode((String, String, String, String, String?, String?).self)
            #expect(audit.map(\.0) == ["user.add", "user.add", "user.disable", "user.passwd"])
            #expect(audit.allSatisfy { $0.1 == "user" })
            #expect(audit.map(\.2) == ["alice", "王丽", "王丽", "alice"])
            #expect(audit.map(\.3) == ["carol@ops-1", "carol@ops-1", "carol@ops-1", "dave@ops-2"])
            #expect(audit[2].4 == "left the union office")
            #expect(audit[0].5 == "viewer" && audit[1].5 == "operator")
        }
    }

    @Test("a taken name, a bad name, a short password and an unknown user are refused with what was wrong, and nothing is written")
    func refusals() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await ConsoleUsers.add(name: "alice", role: .viewer, password: Self.password, by: "carol@ops-1", on: login)
            func code(_ body: () async throws -> Void) async -> AccountsError.Code? {
                do { try await body() } catch let error as AccountsError { return error.code } catch { return nil }
                return nil
            }
            #expect(await code { try await ConsoleUsers.add(name: "alice", role: .operator, password: Self.password, by: "c", on: login) } == .nameTaken)
            #expect(await code { try await ConsoleUsers.add(name: "al ice", role: .viewer, password: Self.password, by: "c", on: login) } == .invalidName)
            #expect(await code { try await ConsoleUsers.add(name: "", role: .viewer, password: Self.password, by: "c", on: login) } == .invalidName)
            #expect(await code { try await ConsoleUsers.add(name: "bob", role: .viewer, password: "short", by: "c", on: login) } == .invalidPassword)
            #expect(await code {
                try await ConsoleUsers.add(name: "bob", role: .viewer, password: String(repeating: "x", count: 73), by: "c", on: login)
            } == .invalidPassword)
            #expect(await code { try await ConsoleUsers.setPassword(name: "alice", password: "eleven char", by: "c", on: login) } == .invalidPassword)
            #expect(await code { try await ConsoleUsers.setPassword(name: "nobody", password: Self.password, by: "c", on: login) } == .noSuchUser)
            #expect(await code { try await ConsoleUsers.disable(name: "nobody", by: "c", on: login) } == .noSuchUser)
            #expect(try await owner.query("SELECT count(*) FROM benefit.console_user").single(Int.self) == 1)
            #expect(try await owner.query("SELECT count(*) FROM benefit.audit_event").single(Int.self) == 1)
            #expect(ConsolePassword.rule.contains("at least 12 characters"))
        }
    }

    @Test("an operator login reads no password hash, session or login attempt; worker and admin logins read no user at all")
    func hashesAndSessionsAreTheOwners() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            for (role, statement) in [
                (DatabaseRole.operator, "SELECT password_hash FROM benefit.console_user"),
                (.operator, "SELECT * FROM benefit.console_session"),
                (.operator, "SELECT * FROM benefit.console_login_attempt"),
                (.worker, "SELECT name FROM benefit.console_user"),
                (.admin, "SELECT name FROM benefit.console_user"),
                (.worker, "SELECT * FROM benefit.console_session_touch('00', interval '1 hour')"),
            ] as [(DatabaseRole, StaticString)] {
                let error = await #expect(throws: PostgresError.self) {
                    try await TestDatabase.withLogin(memberOf: role, on: configuration) { login in
                        try await login.query(PostgresQuery(stringLiteral: statement))
                    }
                }
                #expect(error?.sqlState == "42501", "\(role): \(statement)")
            }
        }
    }
}
