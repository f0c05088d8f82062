import CPostgres

/// The named prepared statements of one connection, made for
/// ``PostgresQuery/prepared()`` queries.
///
/// A statement is keyed by its text and its parameters' types, and named
/// `benefit_1`, `benefit_2`, ... in the order this connection named them: the
/// names are the program's own, never a value from outside. A statement lives
/// as long as the connection (prepared statements are not undone by a rollback).
///
/// The first use of a statement sends it to be made and run in one round trip
/// (a pipeline: Parse, then Bind and Execute, then one Sync), so the server runs
/// it just as it would have run the unnamed statement, text and values together.
/// It is recorded when named: any later use, in the same pipeline or after,
/// finds it made, since its making went out first. If the pipeline that makes
/// it fails, it is forgotten again.
struct PreparedStatements {
    struct Key: Hashable {
        let sql: String
        let types: [PostgresType]
    }

    private var names: [Key: String] = [:]
    private var named = 0

    /// The statement's name, and whether it is new (to be made before it runs).
    mutating func name(for key: Key) -> (name: String, isNew: Bool) {
        if let name = names[key] { return (name, false) }
        named += 1
        let name = "benefit_\(named)"
        names[key] = name
        return (name, true)
    }

    /// Forgets the statement named `name`: the next use makes a new one. A stale
    /// one stays on the server, unused, until the connection closes.
    mutating func forget(_ name: String) {
        names = names.filter { $0.value != name }
    }
}

/// The prepared statement a query runs as, on one connection.
struct PreparedStatement {
    let name: String
    /// Whether it is sent to be made just before it runs (its first use on this connection).
    let needsMaking: Bool
}

extension PostgresConnection {
    /// `query`, with its bindings already validated, as this connection's prepared
    /// statement; nil when it is not to be prepared here (not marked, or behind a
    /// transaction pooler).
    func preparedStatement(_ query: PostgresQuery, _ bindings: PostgresBindings) -> PreparedStatement? {
        guard query.isPrepared, preparesStatements else { return nil }
        let (name, isNew) = preparedStatements.name(for: PreparedStatements.Key(sql: query.sql, types: bindings.types))
        return PreparedStatement(name: name, needsMaking: isNew)
    }

    /// Runs a statement the server has made with `bindings`, and waits for its result, unchecked.
    func execPrepared(_ statement: PreparedStatement, _ bindings: PostgresBindings) -> OpaquePointer? {
        bindings.withCParameters { count, _, values in
            PQexecPrepared(raw, statement.name, count, values, nil, nil, 0)
        }
    }

    func forgetPrepared(_ name: String) {
        preparedStatements.forget(name)
    }

    /// Whether `result` is the server refusing a prepared statement whose result
    /// changed shape since it was prepared ("cached plan must not change result
    /// type"): told by the function that raises it, which, unlike the message, is
    /// not translated.
    static func isStalePlan(_ result: OpaquePointer?) -> Bool {
        guard let result, PQresultStatus(result) == PGRES_FATAL_ERROR,
              let state = PQresultErrorField(result, Int32(Character("C").asciiValue!)),
              let function = PQresultErrorField(result, Int32(Character("R").asciiValue!))
        else { return false }
        return String(cString: state) == "0A000" && String(cString: function) == "RevalidateCachedQuery"
    }
}
