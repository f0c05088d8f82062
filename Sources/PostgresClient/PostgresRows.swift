import CPostgres

/// A result held by libpq, freed when the last row referring to it is gone.
final class PostgresResult: @unchecked Sendable {
    // @unchecked: a PGresult is immutable once libpq returns it, and libpq documents
    // reading one from several threads as safe.
    let raw: OpaquePointer
    let columnNames: [String]

    init(_ raw: OpaquePointer) {
        self.raw = raw
        columnNames = (0..<PQnfields(raw)).map { String(cString: PQfname(raw, $0)) }
    }

    deinit { PQclear(raw) }

    func text(row: Int32, column: Int32) -> String? {
        if PQgetisnull(raw, row, column) == 1 { return nil }
        return String(cString: PQgetvalue(raw, row, column))
    }
}

/// The rows a statement returned, and how many rows it changed.
public struct PostgresRows: RandomAccessCollection, Sendable {
    let result: PostgresResult?
    /// Rows inserted, updated, deleted or copied (the command tag's count).
    public let affectedRows: Int

    init(result: PostgresResult?, affectedRows: Int) {
        self.result = result
        self.affectedRows = affectedRows
        self.count = result.map { Int(PQntuples($0.raw)) } ?? 0
    }

    public let count: Int
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < count, "row \(position) out of range 0..<\(count)")
        return PostgresRow(result: result!, row: Int32(position))
    }

    /// Every row decoded as the given column types, in order.
    public func decode<each Column: PostgresDecodable>(_ types: (repeat each Column).Type) throws -> [(repeat each Column)] {
        try map { try $0.decode(types) }
    }

    /// The one row this statement must return, decoded.
    public func single<each Column: PostgresDecodable>(_ types: (repeat each Column).Type) throws -> (repeat each Column) {
        guard count == 1 else {
            throw PostgresError(code: .decoding, message: "expected exactly one row, got \(count)")
        }
        return try self[0].decode(types)
    }

    /// The first row decoded, or nil when there is none.
    public func first<each Column: PostgresDecodable>(_ types: (repeat each Column).Type) throws -> (repeat each Column)? {
        guard count > 0 else { return nil }
        return try self[0].decode(types)
    }
}

/// One row of a result.
public struct PostgresRow: Sendable {
    let result: PostgresResult
    let row: Int32

    /// The row's leading columns decoded as the given types: `row.decode((Int, String, Date?).self)`.
    public func decode<each Column: PostgresDecodable>(_ types: (repeat each Column).Type) throws -> (repeat each Column) {
        var index: Int32 = 0
        func next<Value: PostgresDecodable>(_ type: Value.Type) throws -> Value {
            defer { index += 1 }
            return try decode(Value.self, at: index)
        }
        return (repeat try next((each Column).self))
    }

    /// One column by name.
    public func decode<Value: PostgresDecodable>(_ type: Value.Type, column name: String) throws -> Value {
        guard let index = result.columnNames.firstIndex(of: name) else {
            throw PostgresError(code: .decoding, message: "no column named \"\(name)\" in the result (columns: \(result.columnNames.joined(separator: ", ")))")
        }
        return try decode(Value.self, at: Int32(index))
    }

    private func decode<Value: PostgresDecodable>(_ type: Value.Type, at column: Int32) throws -> Value {
        guard column < Int32(result.columnNames.count) else {
            throw PostgresError(code: .decoding, message: "asked for column \(column + 1) of a result with \(result.columnNames.count) columns")
        }
        do {
            guard let text = result.text(row: row, column: column) else { return try Value.postgresNull() }
            return try Value(postgresText: text)
        } catch let failure as PostgresDecodingFailure {
            throw PostgresError(code: .decoding, message: "column \"\(result.columnNames[Int(column)])\" as \(Value.self): \(failure.reason)")
        }
    }
}
