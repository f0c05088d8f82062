import BenefitCore
import Foundation
import PostgresClient

/// A job's payload as JSON text: checked before it is sent (``NewJob/validate()``) the way
/// `jsonb` and handlers will read it, and its decoding failures worded for an operator.
///
/// `jsonb` refuses what JSON allows but PostgreSQL text cannot hold (`\u0000`)
/// with a bare SQLSTATE 22P05, and handlers decode numbers into Swift's `Int`
/// or `Double`, where `1e30` fails with Foundation's "The given data was not
/// valid JSON". So the payload is scanned here, and the first problem named
/// with where it is: `ms: 1e30 is out of range: …`, `note: contains U+0000 …`,
/// `not valid JSON: expected ':' at character 7`.
enum PayloadText {
    /// The most bytes a payload may hold: arguments for a handler, not data for it to carry.
    static let maximumBytes = 1 << 20
    /// The numbers a payload may hold: what a handler can read as an `Int` (and, below it, as a `Double`).
    static let numbers = Int64.min...Int64.max

    /// The first thing wrong with the payload as a JSON object, or nil.
    static func problem(_ payload: String) -> String? {
        if payload.utf8.count > maximumBytes {
            return "\(payload.utf8.count) bytes, more than the \(maximumBytes) allowed"
        }
        var scanner = Scanner(Array(payload.unicodeScalars))
        do throws(Scanner.Problem) {
            scanner.skipSpace()
            guard scanner.peek == "{" else {
                return scanner.peek == nil ? "not a JSON object: it is empty" : "not a JSON object: \(PrintableText.quoted(payload))"
            }
            try scanner.value(path: "")
            scanner.skipSpace()
            if scanner.peek != nil { throw Scanner.Problem.syntax("text after the object", at: scanner.position) }
            return nil
        } catch {
            return error.message
        }
    }

    /// A failure to decode a payload into `type`, worded with the field at fault.
    static func describe(_ error: any Error, decoding type: Any.Type) -> String {
        guard let error = error as? DecodingError else { return "does not match \(type): \(error)" }
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the payload" : "field " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(field(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            // Foundation says "not valid JSON" for a number that does not fit its field.
            return context.codingPath.isEmpty
                ? "not valid JSON" : "\(field(context.codingPath)): a number out of range, or a fraction where a whole number is expected"
        @unknown default:
            return "does not match \(type): \(error)"
        }
    }

    /// A recursive-descent reader of JSON text that stops at the first problem.
    private struct Scanner {
        enum Problem: Error {
            case syntax(String, at: Int)
            case value(String, path: String)

            var message: String {
                switch self {
                case let .syntax(what, position): "not valid JSON: \(what) at character \(position)"
                case let .value(what, path): path.isEmpty ? what : "\(path): \(what)"
                }
            }
        }

        /// Objects and lists may nest this deep, as in PostgreSQL's parser bound; deeper is refused, not recursed into.
        static let maximumDepth = 1_000

        let scalars: [Unicode.Scalar]
        var index = 0
        var depth = 0

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        /// The 1-based character the scanner is at, for messages.
        var position: Int { index + 1 }

        mutating func skipSpace() {
            while let next = peek, next == " " || next == "\t" || next == "\n" || next == "\r" { index += 1 }
        }

        mutating func expect(_ scalar: Unicode.Scalar) throws(Problem) {
            guard peek == scalar else { throw .syntax("expected '\(scalar)'", at: position) }
            index += 1
        }

        mutating func value(path: String) throws(Problem) {
            skipSpace()
            switch peek {
            case "{"?, "["?:
                depth += 1
                guard depth <= Self.maximumDepth else { throw .value("nested more than \(Self.maximumDepth) deep", path: path) }
                if peek == "{" { try object(path: path) } else { try list(path: path) }
                depth -= 1
            case "\""?: try string(path: path)
            case let first? where first == "-" || ("0"..."9").contains(first): try number(path: path)
            default:
                for literal in ["true", "false", "null"] where scalars[index...].starts(with: literal.unicodeScalars) {
                    index += literal.unicodeScalars.count
                    return
                }
                throw .syntax("expected a value", at: position)
            }
        }

        private mutating func object(path: String) throws(Problem) {
            try expect("{")
            skipSpace()
            if peek == "}" { index += 1; return }
            while true {
                skipSpace()
                guard peek == "\"" else { throw .syntax("expected a key in double quotes", at: position) }
                let key = try string(path: path)
                skipSpace()
                try expect(":")
                try value(path: path.isEmpty ? key : "\(path).\(key)")
                skipSpace()
                if peek == "," { index += 1; continue }
                try expect("}")
                return
            }
        }

        private mutating func list(path: String) throws(Problem) {
            try expect("[")
            skipSpace()
            if peek == "]" { index += 1; return }
            var count = 0
            while true {
                try value(path: "\(path)[\(count)]")
                count += 1
                skipSpace()
                if peek == "," { index += 1; continue }
                try expect("]")
                return
            }
        }

        /// A string, returned unescaped; one PostgreSQL cannot store (U+0000) is refused at `path`.
        @discardableResult
        private mutating func string(path: String) throws(Problem) -> String {
            try expect("\"")
            var text = String.UnicodeScalarView()
            while true {
                guard let next = peek else { throw .syntax("a string that does not end", at: position) }
                index += 1
                switch next {
                case "\"":
                    let string = String(text)
                    if let problem = StorableText.unstorableCharacterProblem(string) { throw .value(problem, path: path) }
                    return string
                case "\\":
                    text.append(try escape())
                case let control where control.value < 0x20:
                    throw .syntax("a control character (U+\(String(format: "%04X", control.value))) not escaped in a string", at: position - 1)
                default:
                    text.append(next)
                }
            }
        }

        private mutating func escape() throws(Problem) -> Unicode.Scalar {
            guard let kind = peek else { throw .syntax("a string that does not end", at: position) }
            index += 1
            switch kind {
            case "\"", "\\", "/": return kind
            case "b": return "\u{08}"
            case "f": return "\u{0C}"
            case "n": return "\n"
            case "r": return "\r"
            case "t": return "\t"
            case "u":
                let start = position - 2
                let high = try hexQuad()
                guard (0xD800...0xDFFF).contains(high) else { return Unicode.Scalar(high)! }
                // Half of a surrogate pair alone is no character: PostgreSQL refuses it.
                guard high < 0xDC00, scalars[index...].starts(with: "\\u".unicodeScalars) else {
                    throw .syntax("\\u\(String(format: "%04x", high)) is half of a surrogate pair", at: start)
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw .syntax("\\u\(String(format: "%04x", high)) is half of a surrogate pair", at: start)
                }
                return Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (low - 0xDC00))!
            default:
                throw .syntax("\\\(kind) is not an escape", at: position - 2)
            }
        }

        private mutating func hexQuad() throws(Problem) -> UInt32 {
            guard index + 4 <= scalars.count, let value = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16)
            else { throw .syntax("expected four hexadecimal digits after \\u", at: position) }
            index += 4
            return value
        }

        /// A number by JSON's grammar, which must lie within ``PayloadText/numbers``.
        private mutating func number(path: String) throws(Problem) {
            let start = index
            func digits() -> Int {
                let first = index
                while let next = peek, ("0"..."9").contains(next) { index += 1 }
                return index - first
            }
            if peek == "-" { index += 1 }
            let integerStart = index
            let integerDigits = digits()
            guard integerDigits > 0, !(integerDigits > 1 && scalars[integerStart] == "0") else {
                throw .syntax("a malformed number", at: start + 1)
            }
            var whole = true
            if peek == "." {
                index += 1
                whole = false
                guard digits() > 0 else { throw .syntax("a malformed number", at: start + 1) }
            }
            if peek == "e" || peek == "E" {
                index += 1
                whole = false
                if peek == "+" || peek == "-" { index += 1 }
                guard digits() > 0 else { throw .syntax("a malformed number", at: start + 1) }
            }
            let text = String(String.UnicodeScalarView(scalars[start..<index]))
            let fits = whole ? Int64(text) != nil : (Double(text).map { abs($0) < 0x1p63 } ?? false)
            guard fits else {
                throw .value(
                    "\(text) is out of range: numbers in a payload must be from \(PayloadText.numbers.lowerBound) to \(PayloadText.numbers.upperBound)",
                    path: path)
            }
        }
    }
}
