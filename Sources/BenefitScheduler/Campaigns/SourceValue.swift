import BenefitCore
import Foundation

/// A value read from a campaign file, with where it is: the line an author should look at to change it, and its key path.
///
/// The campaign reader and the programs' parameter readers work on this tree
/// rather than on Yams' nodes so that the same checks run on a YAML file and
/// on a stored definition's JSON (see ``init(json:path:)``), and so that the
/// YAML rules about what is a number or a boolean are settled in one place
/// (`SourceValue+YAML`).
///
/// A value inside a mapping carries the line of its key, which is where an
/// author looks even when the value is a block on the following lines; a list
/// item carries its own line.
public struct SourceValue: Sendable {
    /// What was written.
    public enum Content: Sendable {
        case null
        case bool(Bool)
        case number(Decimal)
        case string(String)
        case list([SourceValue])
        /// Keys in the order written, each at most once.
        case mapping([(key: String, value: SourceValue)])
    }

    public let content: Content
    /// The scalar as written, for messages and for text fields that accept any scalar; `nil` for lists and mappings.
    public let text: String?
    /// The 1-based line, or 0 when the value did not come from a file.
    public let line: Int
    /// The key path from the top of the campaign: keys joined by `.`, list items as `[0]`
    /// (`parameters.hospitals[1].name`); empty for the top itself.
    public let path: String
    /// Whether the value was refused as it was read from the file (it holds a character PostgreSQL cannot store).
    ///
    /// Its problem is recorded once, then; a reader that refuses it again for
    /// being of the wrong kind adds nothing (see ``CampaignValueReader/add(_:at:)``).
    let isRefused: Bool
    /// Whether the value is written as a number but cannot be held exactly (`1e300`, 40 significant digits).
    ///
    /// Its content is then the text as written, which a text field takes as it
    /// is; a field that wants a number says it is out of range (see ``gotDescription``).
    let isOutsizedNumber: Bool

    init(content: Content, text: String?, line: Int, path: String, isRefused: Bool = false, isOutsizedNumber: Bool = false) {
        self.content = content
        self.text = text
        self.line = line
        self.path = path
        self.isRefused = isRefused
        self.isOutsizedNumber = isOutsizedNumber
    }

    /// Whether the value is null: written as `null`, `~` or nothing.
    public var isNull: Bool {
        if case .null = content { true } else { false }
    }

    /// The value as a whole number, if it is one that fits an `Int`.
    public var wholeNumber: Int? {
        wholeNumberDigits.flatMap { Int($0) }
    }

    /// The digits of the value if it is a whole number, however large: `-3`, `5000000`.
    var wholeNumberDigits: String? {
        // A whole number's canonical text has no decimal point, whatever exponent the Decimal holds.
        guard case .number(let number) = content, case let digits = JSONValue.canonicalNumberText(number), !digits.contains(".")
        else { return nil }
        return digits
    }

    /// The value as JSON, dropping the lines.
    public var jsonValue: JSONValue {
        switch content {
        case .null: .null
        case .bool(let value): .bool(value)
        case .number(let number): .number(number)
        case .string(let string): .string(string)
        case .list(let items): .array(items.map(\.jsonValue))
        case .mapping(let entries): .object(Dictionary(entries.map { ($0.key, $0.value.jsonValue) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    /// What was written, as a message's "got …": `got "big"`, `got 12.5`, `got a list`, `got nothing`,
    /// `got 1e300, a number too large or too precise to hold exactly`.
    public var gotDescription: String {
        if isOutsizedNumber, let text { return "\(text), \(Self.outsizedNumberDescription)" }
        return switch content {
        case .null: text.map { $0.isEmpty ? "nothing" : $0 } ?? "nothing"
        case .bool, .number: text ?? ""
        case .string(let string): Self.quoted(string)
        // Said apart, because "expected a non-empty list …, got a list" would puzzle.
        case .list(let items): items.isEmpty ? "an empty list" : "a list"
        case .mapping: "a mapping"
        }
    }

    /// What is wrong with a number that cannot be held exactly.
    static let outsizedNumberDescription =
        "a number too large or too precise to hold exactly (at most \(DecimalText.maximumSignificantDigits) significant digits, within 10^±100)"

    /// The text in double quotes for a message, escaped to stay on one line and harmless on a terminal (see ``PrintableText/quoted(_:limit:)``).
    public static func quoted(_ text: String) -> String {
        PrintableText.quoted(text)
    }

    /// The path of a key of the mapping at `parent`: `parent.key`, or `key` at the top.
    static func path(_ parent: String, key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }

    /// The path of an item of the list at `parent`: `parent[index]`.
    static func path(_ parent: String, index: Int) -> String {
        "\(parent)[\(index)]"
    }
}

extension SourceValue {
    /// The tree of a JSON value, as stored definitions and parameters are read back; every line is 0.
    ///
    /// - Parameter path: Where the value sits in a campaign: empty for a whole
    ///   definition, `parameters` for a stored parameters object.
    public init(json: JSONValue, path: String = "") {
        switch json {
        case .null:
            self.init(content: .null, text: "null", line: 0, path: path)
        case .bool(let value):
            self.init(content: .bool(value), text: value ? "true" : "false", line: 0, path: path)
        case .number(let number):
            self.init(content: .number(number), text: JSONValue.canonicalNumberText(number), line: 0, path: path)
        case .string(let string):
            self.init(content: .string(string), text: string, line: 0, path: path)
        case .array(let elements):
            let items = elements.enumerated().map { SourceValue(json: $0.element, path: Self.path(path, index: $0.offset)) }
            self.init(content: .list(items), text: nil, line: 0, path: path)
        case .object(let members):
            let entries = members.keys.sorted().map { (key: $0, value: SourceValue(json: members[$0] ?? .null, path: Self.path(path, key: $0))) }
            self.init(content: .mapping(entries), text: nil, line: 0, path: path)
        }
    }
}
