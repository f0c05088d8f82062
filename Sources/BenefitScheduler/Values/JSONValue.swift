import Foundation

/// A JSON document as a value: what a campaign's `parameters` and its stored form are made of.
///
/// Numbers are `Decimal`, never `Double`: parameters carry money (`1200.50`
/// yuan) and budgets that must add up exactly, and a binary float would turn
/// `0.1` into `0.1000000000000000055…` on the way through. Decimal holds 38
/// significant digits, which is more than any amount or count here needs;
/// readers refuse numbers longer than that rather than round them.
///
/// Objects are dictionaries, so key order carries no meaning: two documents
/// with the same keys in a different order are equal, and the canonical
/// text writes keys sorted (see ``canonicalText``).
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, held exactly.
    case number(Decimal)
    /// A string.
    case string(String)
    /// An ordered list.
    case array([JSONValue])
    /// An object; its keys are unordered.
    case object([String: JSONValue])

    /// The empty object, `{}`.
    public static let emptyObject = JSONValue.object([:])

    /// The member named `key` of an object, or `nil` if this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { members } else { nil }
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// The text, if this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The number, if this is a number.
    public var numberValue: Decimal? {
        if case .number(let number) = self { number } else { nil }
    }

    /// The truth value, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        self == .null
    }

    /// What kind of value this is, in words for messages: `a string`, `a number`, `an object`, …
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value; numbers go straight to `Decimal`, never through `Double`.
    ///
    /// `JSONDecoder` reads a `Decimal` from the number's digits, so `1200.50`
    /// and `12345678901234567890.123` arrive exact.
    public init(from decoder: any Decoder) throws {
        if var elements = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            while !elements.isAtEnd {
                array.append(try elements.decode(JSONValue.self))
            }
            self = .array(array)
            return
        }
        if let members = try? decoder.container(keyedBy: MemberKey.self) {
            var object: [String: JSONValue] = [:]
            for key in members.allKeys {
                object[key.stringValue] = try members.decode(JSONValue.self, forKey: key)
            }
            self = .object(object)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let number = try? single.decode(Decimal.self) {
            self = .number(number)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    /// Encodes the value, handing object members to the encoder in sorted key order.
    ///
    /// Whether the text keeps that order is the encoder's choice: `JSONEncoder`
    /// reorders keys unless its `outputFormatting` includes `.sortedKeys`. Where
    /// the text itself must be stable (to compare or hash it), use ``canonicalText``.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .number(let number):
            var single = encoder.singleValueContainer()
            try single.encode(number)
        case .string(let text):
            var single = encoder.singleValueContainer()
            try single.encode(text)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements {
                try container.encode(element)
            }
        case .object(let members):
            var container = encoder.container(keyedBy: MemberKey.self)
            for key in members.keys.sorted() {
                try container.encode(members[key], forKey: MemberKey(key))
            }
        }
    }

    /// An object member's name as a coding key.
    private struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    // No float literal on purpose: it would arrive as a Double. Write `.number(Decimal(string: "1200.50")!)`.

    /// `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A whole number, exact.
    public init(integerLiteral value: Int) { self = .number(Decimal(value)) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object; a repeated key keeps its last value.
    public init(dictionaryLiteral members: (String, JSONValue)...) {
        self = .object(Dictionary(members, uniquingKeysWith: { _, last in last }))
    }
}
