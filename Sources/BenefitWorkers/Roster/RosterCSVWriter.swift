import BenefitCore
import Foundation

/// Writes members as roster CSV, the format ``RosterReader`` reads.
///
/// Output is built in a byte buffer and handed to the sink in 1 MiB pieces:
/// a million members make about 80 MB, and formatting each field through
/// `String` interpolation would cost more than all the generating.
public struct RosterCSVWriter {
    private var buffer: [UInt8] = []
    private let sink: ([UInt8]) throws -> Void
    private static let flushSize = 1 << 20

    /// A writer that gives its output to `sink` in large pieces, starting with the header.
    public init(sink: @escaping ([UInt8]) throws -> Void) {
        self.sink = sink
        buffer.reserveCapacity(Self.flushSize + 4096)
        buffer += Array(RosterColumn.header.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// A writer to an open file (or standard output).
    public init(handle: FileHandle) {
        self.init { bytes in try handle.write(contentsOf: bytes) }
    }

    /// Appends one member as a record.
    public mutating func write(_ member: Member) throws {
        appendText(member.memberID)
        appendComma()
        appendText(member.name)
        appendComma()
        appendText(member.orgUnit)
        appendComma()
        buffer.append(member.gender == .female ? UInt8(ascii: "F") : UInt8(ascii: "M"))
        appendComma()
        appendDate(member.birthDate)
        appendComma()
        appendDate(member.hireDate)
        appendComma()
        buffer += member.employment.rawValue.utf8
        appendComma()
        appendNumber(member.hardshipTier)
        appendComma()
        appendFlag(member.frontline)
        appendComma()
        appendFlag(member.modelWorker)
        appendComma()
        appendNumber(member.lastRecuperationYear)
        appendComma()
        appendDate(member.lastCheckupDate)
        appendComma()
        appendNumber(member.childCollegeYear)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.flushSize { try flush() }
    }

    /// Hands what is left to the sink; call once after the last member.
    public mutating func finish() throws {
        try flush()
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private mutating func appendComma() {
        buffer.append(UInt8(ascii: ","))
    }

    /// Text as is, or quoted with quotes doubled when it holds a comma, a quote or a line break.
    private mutating func appendText(_ text: String) {
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        guard needsQuotes else {
            buffer += text.utf8
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private mutating func appendDate(_ date: CalendarDate?) {
        guard let date else { return }
        appendDigits(date.year, width: 4)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(date.month, width: 2)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(date.day, width: 2)
    }

    private mutating func appendNumber(_ number: Int?) {
        guard let number else { return }
        precondition(number >= 0, "roster numbers are never negative")
        var digits = 1
        var rest = number / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        appendDigits(number, width: digits)
    }

    /// `number` in exactly `width` decimal digits, zero-padded on the left.
    private mutating func appendDigits(_ number: Int, width: Int) {
        var divisor = 1
        for _ in 1..<max(1, width) { divisor *= 10 }
        var rest = number
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    private mutating func appendFlag(_ flag: Bool) {
        buffer += (flag ? "true" : "false").utf8
    }
}

extension RosterGenerator {
    /// Writes a generated roster of `count` members as CSV to `handle`.
    public static func writeCSV(count: Int, seed: UInt64, asOf: CalendarDate, to handle: FileHandle) throws {
        var writer = RosterCSVWriter(handle: handle)
        for member in RosterGenerator(count: count, seed: seed, asOf: asOf) {
            try writer.write(member)
        }
        try writer.finish()
    }

    /// Writes a generated roster to the file at `path`, replacing it. The rows go
    /// to a new file beside it first (``FileGuard/replace(_:mode:owner:with:)``),
    /// renamed into place at the end, so an interrupted write never leaves a
    /// cut-short file that would import as a smaller roster. A `path` that is a
    /// link or another account's file is refused and left as it is. The file gets
    /// `mode` (default 0644: a roster an operator shares; 0600 for a private one).
    public static func writeCSV(
        count: Int, seed: UInt64, asOf: CalendarDate, toFile path: String, mode: mode_t = 0o644
    ) throws(RosterWriteError) {
        do {
            try FileGuard.replace(path, mode: mode) { handle in
                try writeCSV(count: count, seed: seed, asOf: asOf, to: handle)
            }
        } catch {
            if let refused = error as? FileGuardError { throw RosterWriteError(description: refused.description) }
            throw RosterWriteError(description: "cannot write \(path): \(FileFailure.reason(error, file: path))")
        }
    }

    /// The days a generated roster may describe: earlier, its oldest members would
    /// be born before 1900 or trips fall before 1950; later, members would be born in
    /// the future and the import would refuse them.
    public static var asOfRange: ClosedRange<CalendarDate> {
        CalendarDate(year: 1980, month: 1, day: 1)!...CalendarDate.today()
    }
}

/// A generated roster could not be written; nothing is left at the path.
public struct RosterWriteError: Error, CustomStringConvertible {
    public let description: String
}
