import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit users` run as operators run it: a benefit_operator login alone, the
/// password on standard input.
@Suite("benefit users")
struct UsersCommandTests {
    static let password = "Tr0ub4dor & 3 staples"

    @Test("a benefit_operator login adds, lists, re-passwords and disables a user; the password never shows in what it prints")
    func usersAsAnOperatorLogin() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await TestDatabase.withLogins([.operator], on: configuration) { logins in
                let environment = ["DATABASE_URL": try TestDatabase.url(of: logins[.operator]!)]
                func run(_ arguments: [String], input: String? = nil) async throws -> BenefitProcess.Outcome {
                    let outcome = try await BenefitProcess.run(arguments, environment: environment, standardInput: input)
                    #expect(!outcome.standardOutput.contains(Self.password) && !outcome.standardError.contains(Self.password))
                    #expect(!outcome.standardOutput.contains("Tr0ub4dor") && !outcome.standardError.contains("Tr0ub4dor"))
                    return outcome
                }

                let added = try await run(["users", "add", "wang.li", "--role", "operator"], input: Self.password + "\n")
                #expect(added.exitCode == 0, "\(added.standardError)")
                #expect(added.standardOutput == "wang.li added (operator)\n")
                let hash = try await owner.query("SELECT password_hash FROM benefit.console_user WHERE name = 'wang.li'").single(String.self)
                #expect(hash.hasPrefix("$2b$12$"))

                let list = try await run(["users", "list"])
                #expect(list.exitCode == 0 && list.standardOutput.contains("wang.li") && list.standardOutput.contains("active"))
                let json = try await run(["users", "list", "--json"])
                #expect(json.standardOutput.contains(#""role":"operator""#), "\(json.standardOutput)")

                // Too short: refused with the rule, nothing changed.
                let short = try await run(["users", "passwd", "wang.li"], input: "Tr0ub4dor\n")
                #expect(short.exitCode == 1 && short.standardError.contains("at least 12 characters"), "\(short.standardError)")
                let changed = try await run(["users", "passwd", "wang.li"], input: "Tr0ub4dor & 3 staples, again\n")
                #expect(changed.exitCode == 0, "\(changed.standardError)")
                #expect(try await owner.query("SELECT password_hash FROM benefit.console_user WHERE name = 'wang.li'").single(String.self) != hash)

                let disabled = try await run(["users", "disable", "wang.li", "--reason", "moved to another branch"])
                #expect(disabled.exitCode == 0 && disabled.standardOutput == "wang.li disabled\n", "\(disabled.standardError)")
                let missing = try await run(["users", "disable", "nobody"])
                #expect(missing.exitCode == 1 && missing.standardError.contains("no console user is named"))

                let audit = try await run(["audit", "list", "--target", "user:wang.li"])
                for action in ["user.add", "user.passwd", "user.disable"] { #expect(audit.standardOutput.contains(action), "\(audit.standardOutput)") }
                // No password from an argument, and none from an empty standard input.
                let noInput = try await run(["users", "add", "li.na", "--role", "viewer"], input: "")
                #expect(noInput.exitCode == 1 && noInput.standardError.contains("no password"), "\(noInput.standardError)")
            }
        }
    }
}
