import CPostgres

extension PostgresConnection {
    /// Bulk-loads rows with `COPY ... FROM STDIN` and returns how many landed.
    ///
    /// `statement` is the COPY command (`COPY benefit.members (a, b) FROM STDIN`);
    /// `write` appends rows to the writer, which streams them to the server in
    /// chunks, so a million rows never sit in memory at once. If `write` throws,
    /// the COPY is aborted and nothing is loaded.
    @discardableResult
    public func copyIn(_ statement: PostgresQuery, _ write: (inout PostgresCopyWriter) throws -> Void) throws -> Int {
        let start = try execParams(statement)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try check(start, sql: statement.sql)
            throw PostgresError(code: .copyFailed, message: "statement did not start a COPY FROM STDIN", sql: statement.sql)
        }
        PQclear(start)
        var writer = PostgresCopyWriter(connection: raw)
        do {
            try write(&writer)
            try writer.flush()
        } catch {
            PQputCopyEnd(raw, "aborted by the client")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(raw, nil) == 1 else { throw connectionError(sql: statement.sql) }
        let rows = try check(PQgetResult(raw), sql: statement.sql)
        drainResults()
        return rows.affectedRows
    }

    private func drainResults() {
        while let result = PQgetResult(raw) { PQclear(result) }
    }
}

/// Appends rows in COPY's text format and sends them in chunks.
public struct PostgresCopyWriter {
    private let connection: OpaquePointer
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0
    private static let chunkSize = 256 * 1024

    init(connection: OpaquePointer) {
        self.connection = connection
        buffer.reserveCapacity(Self.chunkSize + 4096)
    }

    /// Appends one row, one value per column in the COPY's column order.
    public mutating func appendRow<each Value: PostgresEncodable>(_ values: repeat each Value) throws {
        for value in repeat each values {
            try appendField(value)
        }
        try endRow()
    }

    /// Appends one field of the current row; call ``endRow()`` after the last.
    public mutating func appendField(_ value: some PostgresEncodable) throws {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        guard var text = try value.postgresText() else {
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            return
        }
        // Most fields (numbers, names, timestamps) need no escaping: copy them whole.
        let plain = text.withUTF8 { bytes in
            guard !bytes.contains(where: Self.needsEscape) else { return false }
            buffer.append(contentsOf: bytes)
            return true
        }
        if plain { return }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0: throw PostgresError(code: .invalidValue, message: "COPY field \(fieldsInRow) contains a NUL byte (0x00), which PostgreSQL text cannot store")
            default: buffer.append(byte)
            }
        }
    }

    /// Bytes that COPY's text format escapes (and NUL, which it cannot carry).
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r") || byte == 0
    }

    /// Ends the current row.
    public mutating func endRow() throws {
        buffer.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        if buffer.count >= Self.chunkSize { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        let sent = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1 else {
            throw PostgresError(code: .copyFailed, message: "COPY data could not be sent: \(String(cString: PQerrorMessage(connection)))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
