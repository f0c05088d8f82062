import BenefitCore
import Foundation

/// PostgreSQL's text form of `timestamptz`, as the server writes it with
/// `DateStyle = ISO` (which every connection of this client sets).
public enum TimestampText {
    private static let microsPerDay: Int64 = 86_400_000_000

    /// `2026-11-21 20:00:49.123456+00`, always in UTC, rounded to the microsecond.
    public static func format(_ date: Date) -> String {
        if date == .distantFuture { return "infinity" }
        if date == .distantPast { return "-infinity" }
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var days = micros / microsPerDay
        var rest = micros % microsPerDay
        if rest < 0 { rest += microsPerDay; days -= 1 }
        let day = CalendarDate(daysSinceEpoch: Int(days))
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        var text = "\(day) \(pad(seconds / 3600)):\(pad(seconds / 60 % 60)):\(pad(seconds % 60))"
        if fraction != 0 { text += "." + pad(fraction, 6) }
        return text + "+00"
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]]`; no offset means UTC.
    public static func parse(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        var scanner = ByteScanner(text)
        guard let year = scanner.number(), scanner.take("-"), let month = scanner.number(digits: 2),
              scanner.take("-"), let dayOfMonth = scanner.number(digits: 2),
              scanner.take(" ") || scanner.take("T"),
              let hour = scanner.number(digits: 2), scanner.take(":"), let minute = scanner.number(digits: 2),
              scanner.take(":"), let second = scanner.number(digits: 2),
              let day = CalendarDate(year: year, month: month, day: dayOfMonth) else { return nil }
        var micros = 0
        if scanner.take(".") {
            var digits = 0
            while let digit = scanner.digit() {
                if digits < 6 { micros = micros * 10 + digit }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds = 0
        if let sign = scanner.sign() {
            guard let hours = scanner.number(digits: 2) else { return nil }
            var offset = hours * 3600
            if scanner.take(":") {
                guard let minutes = scanner.number(digits: 2) else { return nil }
                offset += minutes * 60
                if scanner.take(":") {
                    guard let seconds = scanner.number(digits: 2) else { return nil }
                    offset += seconds
                }
            }
            offsetSeconds = sign * offset
        }
        guard scanner.atEnd else { return nil }
        let secondsOfDay = hour * 3600 + minute * 60 + second
        let wholeSeconds = Int64(day.daysSinceEpoch) * 86_400 + Int64(secondsOfDay - offsetSeconds)
        return Date(timeIntervalSince1970: Double(wholeSeconds) + Double(micros) / 1_000_000)
    }

    private static func pad(_ value: Int64, _ width: Int = 2) -> String {
        let s = String(value)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

/// PostgreSQL's text form of one-dimensional arrays: `{1,NULL,"a \"b\""}`.
enum PostgresArrayText {
    /// Quotes every element, so no element text needs inspecting for special characters.
    /// Works on UTF-8 bytes: the two bytes escaped are ASCII, which no byte of a
    /// multi-byte character can be.
    static func format(_ elements: [String?]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        text.append(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            guard let element else { text.append(contentsOf: "NULL".utf8); continue }
            text.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { text.append(UInt8(ascii: "\\")) }
                text.append(byte)
            }
            text.append(UInt8(ascii: "\""))
        }
        text.append(UInt8(ascii: "}"))
        return String(decoding: text, as: UTF8.self)
    }

    static func parse(_ text: String) throws -> [String?] {
        var bytes = Substring(text).utf8[...]
        // A lower bound other than 1 is written as a prefix: `[0:2]={...}`.
        if bytes.first == UInt8(ascii: "["), let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
            bytes = bytes[bytes.index(after: equals)...]
        }
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else {
            throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not an array")
        }
        bytes = bytes.dropFirst().dropLast()
        var elements: [String?] = []
        if bytes.isEmpty { return elements }
        var current: [UInt8] = []
        var quoted = false, inQuotes = false, escaped = false
        // On bytes, not through Foundation's String methods: a batch of 1,000
        // members is two arrays of 1,000 elements, and trimming and uppercasing
        // each element as a String took two fifths of a worker's time in a run.
        func finish() {
            if quoted {
                elements.append(String(decoding: current, as: UTF8.self))
            } else {
                let raw = trimmingSpace(current[...])
                elements.append(isNull(raw) ? nil : String(decoding: raw, as: UTF8.self))
            }
            current.removeAll(keepingCapacity: true)
            quoted = false
        }
        for byte in bytes {
            if escaped { current.append(byte); escaped = false; continue }
            switch byte {
            case UInt8(ascii: "\\"): escaped = true
            case UInt8(ascii: "\"") : inQuotes.toggle(); quoted = true
            case UInt8(ascii: ",") where !inQuotes: finish()
            case UInt8(ascii: "{") where !inQuotes:
                throw PostgresDecodingFailure("multi-dimensional arrays are not supported")
            default: current.append(byte)
            }
        }
        finish()
        return elements
    }

    /// `element` without the white space the server skips around an unquoted
    /// element (space, tab, line feed, vertical tab, form feed, carriage return).
    private static func trimmingSpace(_ element: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || (0x09...0x0D).contains(byte) }
        guard let first = element.firstIndex(where: { !isSpace($0) }), let last = element.lastIndex(where: { !isSpace($0) }) else {
            return element[element.startIndex..<element.startIndex]
        }
        return element[first...last]
    }

    /// Whether an unquoted element is NULL, in any case.
    private static func isNull(_ element: ArraySlice<UInt8>) -> Bool {
        element.count == 4 && zip(element, "null".utf8).allSatisfy { $0 | 0x20 == $1 }
    }
}

/// A cursor over ASCII bytes, for the fixed formats above.
struct ByteScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { position == bytes.count }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    mutating func digit() -> Int? {
        guard position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 else { return nil }
        defer { position += 1 }
        return Int(bytes[position] - 48)
    }

    /// Exactly `digits` digits, or (when nil) one or more.
    mutating func number(digits: Int? = nil) -> Int? {
        let start = position
        var value = 0
        while let d = digit() {
            value = value * 10 + d
            if let digits, position - start == digits { break }
        }
        let count = position - start
        if count == 0 || (digits != nil && count != digits) { position = start; return nil }
        return value
    }

    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}
