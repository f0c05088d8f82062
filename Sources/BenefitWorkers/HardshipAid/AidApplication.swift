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
