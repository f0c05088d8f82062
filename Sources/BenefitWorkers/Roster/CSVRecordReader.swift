import Foundation

/// One record of a CSV file: its fields, and the line it starts on.
public struct CSVRecord: Sendable, Equatable {
    /// The 1-based line of the record's first byte; a quoted field spanning lines does not move it.
    public let line: Int
    /// The fields, unquoted (doubled quotes made single).
    public let fields: [String]
    /// Set when the record breaks CSV's rules; `fields` are then unreliable.
    public let malformation: Malformation?

    /// Creates a record.
    public init(line: Int, fields: [String], malformation: Malformation? = nil) {
        self.line = line
        self.fields = fields
        self.malformation = malformation
    }

    /// What makes a record unreadable, and which field (0-based) it is in.
    public struct Malformation: Sendable, Equatable {
        public let field: Int
        public let reason: String

        public init(field: Int, reason: String) {
            self.field = field
            self.reason = reason
        }
    }
}

/// Reads RFC 4180 CSV records from a byte stream, one chunk at a time.
///
/// A roster can hold millions of members, so the file is never read whole:
/// the reader holds one chunk (1 MiB from a file) and the record being built.
/// Quoted fields may hold commas, doubled quotes and line breaks. Records end at
/// LF or CRLF; blank lines are skipped (spreadsheets leave them at the end); a
/// UTF-8 byte-order mark at the start is dropped (Excel writes one). A field
/// that is not UTF-8 or holds a NUL byte makes its record malformed.
public struct CSVRecordReader {
    /// Supplies the next chunk of bytes; an empty array means the end.
    private let readChunk: () throws -> [UInt8]
    private var chunk: [UInt8] = []
    private var position = 0
    private var exhausted = false
    private var started = false
    /// The line the next byte is on.
    private var line = 1
    /// The field being built, reused between fields to spare allocations.
    private var field: [UInt8] = []

    /// A reader over `file`, closing it when done; throws when it cannot be opened.
    public init(path: String, chunkSize: Int = 1 << 20) throws {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        self.init { () throws -> [UInt8] in
            guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {
                try? handle.close()
                return []
            }
            return [UInt8](data)
        }
    }

    /// A reader over bytes in memory, handed out `chunkSize` at a time (tests use tiny chunks to cross every boundary).
    public init(bytes: [UInt8], chunkSize: Int = 1 << 20) {
        var offset = 0
        self.init { () -> [UInt8] in
            defer { offset = min(bytes.count, offset + chunkSize) }
            return Array(bytes[offset..<min(bytes.count, offset + chunkSize)])
        }
    }

    /// A reader over chunks from `readChunk`, which returns an empty array at the end.
    public init(readChunk: @escaping () throws -> [UInt8]) {
        self.readChunk = readChunk
    }

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted, afterQuoted
    }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws -> CSVRecord? {
        while true {
            var fields: [String] = []
            fields.reserveCapacity(16)
            var malformation: CSVRecord.Malformation?
            var state = State.fieldStart
            var wasQuoted = false
            let startLine = line
            field.removeAll(keepingCapacity: true)

            func malformed(_ reason: String) {
                if malformation == nil { malformation = .init(field: fields.count, reason: reason) }
            }
            func endField() {
                var ascii = true
                var nul = false
                for byte in field {
                    if byte >= 0x80 { ascii = false } else if byte == 0 { nul = true }
                }
                // PostgreSQL text cannot hold NUL, and no roster value needs one.
                if nul { malformed("contains a NUL byte (is this a text file?)") }
                // Most fields are ASCII: checking that first skips the generic UTF-8 validation.
                if ascii {
                    fields.append(String(decoding: field, as: UTF8.self))
                } else if let text = String(validating: field, as: UTF8.self) {
                    fields.append(text)
                } else {
                    malformed("not valid UTF-8 (save the file as UTF-8)")
                    fields.append(String(decoding: field, as: UTF8.self))
                }
                field.removeAll(keepingCapacity: true)
            }

            recordLoop: while true {
                guard let byte = try nextByte() else {
                    if state == .fieldStart && fields.isEmpty { return nil }
                    if state == .quoted { malformed("a quoted field is not closed before the end of the file") }
                    break recordLoop
                }
                if byte == UInt8(ascii: "\n") { line += 1 }
                switch state {
                case .fieldStart, .unquoted:
                    switch byte {
                    case UInt8(ascii: ","):
                        endField()
                        state = .fieldStart
                    case UInt8(ascii: "\n"):
                        // CRLF: the CR was kept as data until the LF showed it ended the line.
                        if field.last == UInt8(ascii: "\r") { field.removeLast() }
                        break recordLoop
                    case UInt8(ascii: "\"") where state == .fieldStart:
                        state = .quoted
                        wasQuoted = true
                    case UInt8(ascii: "\""):
                        malformed("a quote inside an unquoted field (quote the whole field and double the quote)")
                        field.append(byte)
                    default:
                        field.append(byte)
                        state = .unquoted
                    }
                case .quoted:
                    if byte == UInt8(ascii: "\"") {
                        state = .quoteInQuoted
                    } else {
                        field.append(byte)
                    }
                case .quoteInQuoted:
                    switch byte {
                    case UInt8(ascii: "\""):
                        field.append(byte)
                        state = .quoted
                    case UInt8(ascii: ","):
                        endField()
                        state = .fieldStart
                    case UInt8(ascii: "\n"):
                        break recordLoop
                    case UInt8(ascii: "\r"):
                        state = .afterQuoted
                    default:
                        malformed("text after a closing quote (double a quote inside a quoted field)")
                        field.append(byte)
                        state = .afterQuoted
                    }
                case .afterQuoted:
                    switch byte {
                    case UInt8(ascii: ","):
                        endField()
                        state = .fieldStart
                    case UInt8(ascii: "\n"):
                        break recordLoop
                    case UInt8(ascii: "\r"):
                        break
                    default:
                        malformed("text after a closing quote (double a quote inside a quoted field)")
                        field.append(byte)
                    }
                }
            }
            let blank = fields.isEmpty && field.isEmpty && !wasQuoted
            endField()
            if blank && malformation == nil { continue }
            return CSVRecord(line: startLine, fields: fields, malformation: malformation)
        }
    }

    /// The next byte of input, reading a new chunk when the current one is used up.
    @inline(__always)
    private mutating func nextByte() throws -> UInt8? {
        if position == chunk.count {
            guard try refill() else { return nil }
        }
        defer { position += 1 }
        return chunk[position]
    }

    private mutating func refill() throws -> Bool {
        guard !exhausted else { return false }
        chunk = try readChunk()
        position = 0
        if chunk.isEmpty {
            exhausted = true
            return false
        }
        if !started {
            started = true
            // A tiny first chunk could split the byte-order mark: gather three bytes first.
            while chunk.count < 3 {
                let more = try readChunk()
                if more.isEmpty { break }
                chunk += more
            }
            if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            if position == chunk.count { return try refill() }
        }
        return true
    }
}
