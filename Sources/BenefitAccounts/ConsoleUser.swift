import BenefitCore
import Foundation
import PostgresClient

/// A person who signs in to the operators' console (`benefit.console_user`).
public struct ConsoleUser: Sendable, Codable, Equatable {
    public let id: Int
    /// What the user signs in with, and the name the audit trail records for their actions.
    public let name: String
    public let role: ConsoleRole
    /// When the user was disabled, or nil while they may sign in.
    public let disabledAt: Date?
    public let createdAt: Date
    /// When the user last signed in, or nil if never.
    public let lastLoginAt: Date?

    public init(id: Int, name: String, role: ConsoleRole, disabledAt: Date?, createdAt: Date, lastLoginAt: Date?) {
        self.id = id
        self.name = name
        self.role = role
        self.disabledAt = disabledAt
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }

    /// The most characters a user name may have (the CHECK on `console_user.name`).
    public static let maximumNameLength = 64

    /// What is wrong with `name` as a user name, or nil: 1 to 64 characters, none
    /// of them a space or a control character (the same rule as the table's CHECK).
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "empty" }
        if let problem = StorableText.problem(name, maximumLength: maximumNameLength) { return problem }
        if name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            return "\(PrintableText.quoted(name)) holds a space or a control character"
        }
        return nil
    }
}

/// A row of `console_user` as the statements return it, decoded by name.
struct ConsoleUserRow {
    static let columns = (Int, String, String, Date?, Date, Date?).self

    static func user(_ row: (Int, String, String, Date?, Date, Date?)) throws -> ConsoleUser {
        let (id, name, role, disabledAt, createdAt, lastLoginAt) = row
        guard let role = ConsoleRole(rawValue: role) else {
            throw PostgresError(code: .decoding, message: "console user \(id) has a role this version does not know: \(role)")
        }
        return ConsoleUser(id: id, name: name, role: role, disabledAt: disabledAt, createdAt: createdAt, lastLoginAt: lastLoginAt)
    }
}
