import ArgumentParser
import BenefitAccounts
import BenefitCore
import BenefitTools
import Foundation

extension ConsoleRole: ExpressibleByArgument {}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the operators' console users: add, list, disable, set a password.",
        discussion: """
            A viewer reads every console page; an operator may also act (pause, trigger,
            cancel, retry). Passwords are read from a prompt, or from standard input when
            it is not a terminal, never from an argument. Each change is recorded in the
            audit trail (benefit audit list --target NAME).
            """,
        subcommands: [Add.self, List.self, Disable.self, Passwd.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a console user.",
            discussion: """
                \(ConsolePassword.rule)

                Example: benefit users add wang.li --role operator

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The name the user signs in with (no spaces, at most 64 characters).")
        var name: String

        @Option(help: "viewer (reads) or operator (reads and acts).")
        var role: ConsoleRole

        func validate() throws {
            if let problem = ConsoleUser.nameProblem(name) { throw ValidationError("NAME: \(problem)") }
        }

        func run() async throws {
            let password = try PasswordPrompt.newPassword(for: name)
            let (pool, _) = try await connection.pool(label: "benefit.users")
            let user = try await ConsoleUsers.add(name: name, role: role, password: password, by: OperatorIdentity.current, on: pool)
            printEscaped("\(user.name) added (\(user.role.rawValue))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the console users.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.users")
            let users = try await ConsoleUsers.list(on: pool)
            if json { return print(try TextTable.json(users)) }
            guard !users.isEmpty else { return print("no console users: add one with benefit users add NAME --role viewer|operator") }
            print(TextTable.render(
                header: ["NAME", "ROLE", "STATE", "CREATED", "LAST LOGIN"],
                rows: users.map { user in
                    [user.name, user.role.rawValue, user.disabledAt.map { "disabled " + TextTable.instant($0) } ?? "active",
                     TextTable.instant(user.createdAt), TextTable.instant(user.lastLoginAt)]
                }))
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a console user: they can no longer sign in, and their sessions end now.",
            discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The user's name.")
        var name: String

        @Option(help: "Why, for the audit trail.")
        var reason: String?

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.users")
            let newly = try await ConsoleUsers.disable(name: name, reason: reason, by: OperatorIdentity.current, on: pool)
            printEscaped(newly ? "\(name) disabled" : "\(name) was already disabled")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a console user's password; their sessions end now.",
            discussion: """
                \(ConsolePassword.rule)

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The user's name.")
        var name: String

        func run() async throws {
            let password = try PasswordPrompt.newPassword(for: name)
            let (pool, _) = try await connection.pool(label: "benefit.users")
            try await ConsoleUsers.setPassword(name: name, password: password, by: OperatorIdentity.current, on: pool)
            printEscaped("\(name): password changed")
        }
    }
}
