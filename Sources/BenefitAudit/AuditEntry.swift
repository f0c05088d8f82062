import PostgresClient

/// One operator action as the audit trail records it: what, on which target, why,
/// and who by (the OS user@host the client runs as, or a console's user).
///
/// The database adds the rest itself: the login (`db_user`) and the time (`at`).
/// An entry that exists is valid: its initializer checks what the database would
/// refuse, so the refusal names the option rather than a constraint.
public struct AuditEntry: Sendable, Hashable {
    public let action: AuditAction
    /// A campaign's name, a run's or job's id, a roster file, a queue's name.
    public let target: String
    public let reason: String?
    /// Who acted, as the client knows it: `OperatorIdentity.current` (`user@host`) for the command line.
    public let operatorName: String
    /// What the action did, for the record (a revision, a run's id, counts).
    public private(set) var details: [String: AuditDetail]

    /// - Throws: ``AuditError`` when the reason is missing for an action that
    ///   requires one (``AuditAction/requiresReason``), or a reason, target or
    ///   operator name is blank, too long or holds U+0000.
    public init(
        _ action: AuditAction, target: String, reason: String?, by operatorName: String, details: [String: AuditDetail] = [:]
    ) throws(AuditError) {
        if let reason {
            if let problem = Self.reasonProblem(reason) { throw AuditError(.invalidReason, "reason: \(problem)") }
        } else if action.requiresReason {
            throw AuditError(.missingReason, "\(action.rawValue) requires a reason")
        }
        if let problem = StorableText.nonBlankProblem(target, maximumLength: 1_000) { throw AuditError(.invalidTarget, "target: \(problem)") }
        if let problem = StorableText.nonBlankProblem(operatorName, maximumLength: 200) {
            throw AuditError(.invalidOperator, "operator: \(problem)")
        }
        self.action = action
        self.target = target
        self.reason = reason
        self.operatorName = operatorName
        self.details = details
    }

    /// The same entry with `details` added (replacing any of the same name): for
    /// what an action learns only once it is done (a new run's id, counts).
    public func adding(_ details: [String: AuditDetail]) -> AuditEntry {
        var copy = self
        copy.details.merge(details) { _, new in new }
        return copy
    }

    /// The most characters a reason may have: a sentence or two for the record.
    public static let maximumReasonLength = 500

    /// What is wrong with a reason an operator gives, or nil: it must say
    /// something, in at most ``maximumReasonLength`` characters PostgreSQL can store.
    public static func reasonProblem(_ reason: String, blank: String = "empty; say why") -> String? {
        StorableText.nonBlankProblem(reason, maximumLength: maximumReasonLength, blank: blank)
    }
}

/// A value in an entry's details: text, a whole or decimal number, or a flag
/// (the database refuses nested objects and arrays).
public enum AuditDetail: Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral
{
    case text(String)
    case integer(Int)
    case number(Double)
    case flag(Bool)

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .flag(value) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let integer = try? container.decode(Int.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .integer(let integer): try container.encode(integer)
        case .number(let number): try container.encode(number)
        case .flag(let flag): try container.encode(flag)
        }
    }

    public var description: String {
        switch self {
        case .text(let text): text
        case .integer(let integer): String(integer)
        case .number(let number): String(number)
        case .flag(let flag): String(flag)
        }
    }
}

/// Why the audit trail refused an entry or could not record it.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    /// What kind of refusal.
    public struct Code: Hashable, Sendable {
        private enum Kind { case missingReason, invalidReason, invalidTarget, invalidOperator, notInTransaction }
        private let kind: Kind
        /// The action requires a reason and none was given.
        public static let missingReason = Code(kind: .missingReason)
        /// The reason is blank, too long, or holds U+0000.
        public static let invalidReason = Code(kind: .invalidReason)
        /// The target is blank, too long, or holds U+0000.
        public static let invalidTarget = Code(kind: .invalidTarget)
        /// The operator's name is blank, too long, or holds U+0000.
        public static let invalidOperator = Code(kind: .invalidOperator)
        /// ``AuditTrail/record(_:on:)`` was called outside a transaction.
        public static let notInTransaction = Code(kind: .notInTransaction)
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
