import BenefitCore
import Foundation
import PostgresClient

/// What an operator records for a member: the case, before anyone reviews it.
public struct AidApplicationDraft: Sendable, Hashable, Codable {
    public let memberID: String
    /// One of the campaign's categories (`illness`, `disaster`, …).
    public let category: String
    /// Yuan asked for, at most two decimals.
    public let amount: Decimal
    /// A short statement of the case, 1 to 1,000 characters.
    public let statement: String
    /// File names or document numbers of the evidence (text only), at most 20.
    public let evidence: [String]

    /// - Throws: ``AidError`` (`.invalid`) naming the first field that is wrong, as the database would refuse it.
    public init(memberID: String, category: String, amount: Decimal, statement: String, evidence: [String] = []) throws(AidError) {
        if let problem = Self.problem(memberID: memberID, category: category, amount: amount, statement: statement, evidence: evidence) {
            throw AidError(.invalid, "\(problem.field): \(problem.message)")
        }
        self.memberID = memberID
        self.category = category
        self.amount = amount
        self.statement = statement
        self.evidence = evidence
    }

    /// The most pieces of evidence one application lists.
    public static let maximumEvidence = 20

    /// The first field that is wrong and why, or nil: what both `aid apply` and `aid import` check.
    static func problem(
        memberID: String, category: String, amount: Decimal, statement: String, evidence: [String]
    ) -> (field: String, message: String)? {
        if let problem = StorableText.nonBlankProblem(memberID, maximumLength: 200) { return ("member", problem) }
        if !AidParameters.isCategoryName(category) {
            return ("category", "\(PrintableText.quoted(category)) is not a category name (lowercase letters, digits and -)")
        }
        if let problem = AidAmount.problem(amount) { return ("amount", problem) }
        if let problem = StorableText.nonBlankProblem(statement, maximumLength: 1_000) { return ("statement", problem) }
        if evidence.count > maximumEvidence { return ("evidence", "\(evidence.count) references; at most \(maximumEvidence)") }
        for reference in evidence {
            if let problem = StorableText.nonBlankProblem(reference, maximumLength: 200) { return ("evidence", problem) }
        }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case memberID = "member_id", category, amount, statement, evidence
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .amount)
        guard let amount = AidAmount.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: "not an amount: \(text)")
        }
        try self.init(
            memberID: try container.decode(String.self, forKey: .memberID), category: try container.decode(String.self, forKey: .category),
            amount: amount, statement: try container.decode(String.self, forKey: .statement),
            evidence: try container.decode([String].self, forKey: .evidence))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(memberID, forKey: .memberID)
        try container.encode(category, forKey: .category)
        // As text: JSON numbers would pass through a Double on the way.
        try container.encode(amount.description, forKey: .amount)
        try container.encode(statement, forKey: .statement)
        try container.encode(evidence, forKey: .evidence)
    }
}

/// Amounts of money in aid commands: positive yuan with at most two decimals.
public enum AidAmount {
    /// The amount in `text` (`1200`, `800.50`), or nil when it is not one.
    public static func parse(_ text: String) -> Decimal? {
        guard text.wholeMatch(of: /[0-9]{1,12}(\.[0-9]{1,2})?/) != nil, let value = Decimal(string: text, locale: nil) else { return nil }
        return problem(value) == nil ? value : nil
    }

    /// What is wrong with an amount, or nil.
    static func problem(_ amount: Decimal) -> String? {
        guard amount > 0, Yuan.isWholeCents(amount) else { return "expected a positive number of yuan with at most 2 decimals, got \(amount)" }
        guard amount <= Yuan.maximumBudget else { return "\(amount) is out of range: at most \(Yuan.text(Yuan.maximumBudget)) yuan" }
        return nil
    }
}

/// A reviewer's decision on an application.
public enum AidDecision: Sendable, Hashable {
    /// Approve this many yuan (the first of two approvals when above the campaign's threshold).
    case approve(Decimal)
    case reject
    /// Send it back to whoever recorded it (missing evidence, say).
    case `return`

    var word: String {
        switch self {
        case .approve: "approve"
        case .reject: "reject"
        case .return: "return"
        }
    }

    var amount: Decimal? {
        if case .approve(let amount) = self { return amount }
        return nil
    }
}

/// Where an application stands (`benefit.aid_applications.status`).
public enum AidStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Recorded, not reviewed yet.
    case pending
    /// Approved once above the threshold: waits for a second, different reviewer.
    case secondReview = "second-review"
    /// Approved, not paid yet (a run pays it when the fund covers it).
    case approved
    /// Approved and paid by a run.
    case paid
    case rejected
    /// Sent back to whoever recorded it.
    case returned
}

/// One application as `aid list` shows it.
public struct AidApplicationRow: Sendable, Hashable, Codable {
    public let id: Int
    public let memberID: String
    public let campaign: String
    public let category: String
    public let requested: Decimal
    public let status: AidStatus
    public let recordedBy: String
    public let recordedAt: Date
    public let firstReviewer: String?
    public let decidedBy: String?
    public let reason: String?
    public let approvedAmount: Decimal?
    public let paidAt: Date?
}

/// Why an aid command did not do what was asked.
public struct AidError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; more codes may be added without breaking callers.
    public struct Code: Hashable, Sendable {
        private enum Kind { case invalid, refused, notFound }
        private let kind: Kind
        /// A value given is malformed (an amount, a category name, a blank statement).
        public static let invalid = Code(kind: .invalid)
        /// The database refused it under one of the program's rules (a cap, the
        /// two-reviewer rule, a member who does not qualify, a decided application).
        public static let refused = Code(kind: .refused)
        /// No such application or campaign.
        public static let notFound = Code(kind: .notFound)
    }

    public let code: Code
    /// One line, saying what was wrong.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
