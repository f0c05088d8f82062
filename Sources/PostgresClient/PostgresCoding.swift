import BenefitCore
import Foundation

/// A Swift value that can be sent as a bound parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The type OID sent with the parameter.
    static var postgresType: PostgresType { get }
    /// The value in PostgreSQL's text input format; nil sends SQL NULL.
    func postgresText() throws -> String?
}

/// A Swift value that can be read from a column in PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value.
    init(postgresText text: String) throws
    /// The value for SQL NULL; by default NULL is an error naming the column.
    static func postgresNull() throws -> Self
}

extension PostgresDecodable {
    public static func postgresNull() throws -> Self {
        throw PostgresDecodingFailure("unexpected NULL for non-optional \(Self.self)")
    }
}

/// A value that can also travel inside a PostgreSQL array.
public protocol PostgresArrayElement: PostgresEncodable, PostgresDecodable {
    /// The OID of the array type whose elements are this type.
    static var postgresArrayType: PostgresType { get }
}

/// Why one value could not be decoded; the row adds the column's name.
public struct PostgresDecodingFailure: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

// MARK: - Scalars

extension Int: PostgresArrayElement {
    public static var postgresType: PostgresType { .int8 }
    public static var postgresArrayType: PostgresType { .int8Array }
    public func postgresText() -> String? { String(self) }
    public init(postgresText text: String) throws {
        guard let value = Int(text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not an integer") }
        self = value
    }
}

extension Int64: PostgresArrayElement {
    public static var postgresType: PostgresType { .int8 }
    public static var postgresArrayType: PostgresType { .int8Array }
    public func postgresText() -> String? { String(self) }
    public init(postgresText text: String) throws {
        guard let value = Int64(text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not an integer") }
        self = value
    }
}

extension Int32: PostgresArrayElement {
    public static var postgresType: PostgresType { .int4 }
    public static var postgresArrayType: PostgresType { .int4Array }
    public func postgresText() -> String? { String(self) }
    public init(postgresText text: String) throws {
        guard let value = Int32(text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a 32-bit integer") }
        self = value
    }
}

extension Double: PostgresArrayElement {
    public static var postgresType: PostgresType { .float8 }
    public static var postgresArrayType: PostgresType { .float8Array }
    public func postgresText() -> String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return description
    }
    public init(postgresText text: String) throws {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a number") }
            self = value
        }
    }
}

extension Bool: PostgresArrayElement {
    public static var postgresType: PostgresType { .bool }
    public static var postgresArrayType: PostgresType { .boolArray }
    public func postgresText() -> String? { self ? "true" : "false" }
    public init(postgresText text: String) throws {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a boolean")
        }
    }
}

extension String: PostgresArrayElement {
    public static var postgresType: PostgresType { .text }
    public static var postgresArrayType: PostgresType { .textArray }
    public func postgresText() -> String? { self }
    public init(postgresText text: String) { self = text }
}

extension UUID: PostgresArrayElement {
    public static var postgresType: PostgresType { .uuid }
    public static var postgresArrayType: PostgresType { .uuidArray }
    public func postgresText() -> String? { uuidString }
    public init(postgresText text: String) throws {
        guard let value = UUID(uuidString: text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a UUID") }
        self = value
    }
}

/// Money and other exact numbers travel as `numeric`, never as floating point.
extension Decimal: PostgresArrayElement {
    public static var postgresType: PostgresType { .numeric }
    public static var postgresArrayType: PostgresType { .numericArray }
    public func postgresText() -> String? { isNaN ? "NaN" : description }
    public init(postgresText text: String) throws {
        if text == "NaN" { self = .nan; return }
        guard let value = Decimal(string: text, locale: nil) else {
            throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a decimal number")
        }
        self = value
    }
}

extension CalendarDate: PostgresArrayElement {
    public static var postgresType: PostgresType { .date }
    public static var postgresArrayType: PostgresType { .dateArray }
    public func postgresText() -> String? { description }
    public init(postgresText text: String) throws {
        guard let value = CalendarDate(text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a date (YYYY-MM-DD)") }
        self = value
    }
}

/// Instants travel as `timestamptz` with microsecond precision, the server's own.
extension Date: PostgresArrayElement {
    public static var postgresType: PostgresType { .timestamptz }
    public static var postgresArrayType: PostgresType { .timestamptzArray }
    public func postgresText() -> String? { TimestampText.format(self) }
    public init(postgresText text: String) throws {
        guard let value = TimestampText.parse(text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a timestamp") }
        self = value
    }
}

// MARK: - JSON

/// A Codable value stored as `jsonb`.
public struct PostgresJSON<Value: Codable & Sendable>: PostgresArrayElement {
    public var value: Value
    public init(_ value: Value) { self.value = value }

    public static var postgresType: PostgresType { .jsonb }
    public static var postgresArrayType: PostgresType { .jsonbArray }

    public func postgresText() throws -> String? {
        do {
            return String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        } catch {
            throw PostgresError(code: .invalidValue, message: "cannot encode \(Value.self) as JSON: \(error)")
        }
    }

    public init(postgresText text: String) throws {
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw PostgresDecodingFailure("JSON does not decode as \(Value.self): \(error)")
        }
    }
}

// MARK: - Optionals and arrays

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresType { Wrapped.postgresType }
    public func postgresText() throws -> String? {
        switch self {
        case .none: return nil
        case .some(let value): return try value.postgresText()
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String) throws { self = .some(try Wrapped(postgresText: text)) }
    public static func postgresNull() -> Self { .none }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { Wrapped.postgresArrayType }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresType { Element.postgresArrayType }
    public func postgresText() throws -> String? {
        try PostgresArrayText.format(map { try $0.postgresText() })
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init(postgresText text: String) throws {
        self = try PostgresArrayText.parse(text).map { element in
            guard let element else { return try Element.postgresNull() }
            return try Element(postgresText: element)
        }
    }
}
