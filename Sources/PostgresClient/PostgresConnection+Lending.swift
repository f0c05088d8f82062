/// What came of a pool lending a connection to a body
/// (``PostgresConnection/lend(checkingFirst:_:)``).
enum Loan<Value: Sendable>: Sendable {
    /// The connection was found broken, or inside a transaction, before the
    /// body ran (it went bad while idle): the body did not run.
    case refused
    /// The body ran and returned or threw; `reusable` is whether the
    /// connection may be lent again after it.
    case returned(Result<Value, any Error>, reusable: Bool)
}

extension PostgresConnection {
    /// Runs a pool's loan on this connection's own thread: the check that the
    /// connection can be lent (with `checkingFirst`), `body`, and the check
    /// that it can be lent again, with no hop between them.
    ///
    /// `body` is `nonisolated(nonsending)`: it runs where its caller runs, here
    /// on the connection's executor, so its statements on this connection run
    /// without leaving that thread. A loan makes two hops between the
    /// connection's thread and Swift's cooperative pool, in and back; one
    /// statement with the two checks as calls of their own made six. Each
    /// wakes a thread, about 30 µs on a 2-core machine (BENCHMARKS.md, "A
    /// pool's loan on the connection's own thread").
    /// Whatever else the body awaits (another actor, a sleep) leaves and comes
    /// back as usual; no other task uses the connection meanwhile, since the
    /// pool lends it to one body at a time.
    func lend<Value: Sendable>(
        checkingFirst: Bool,
        _ body: nonisolated(nonsending) @Sendable (PostgresConnection) async throws -> Value
    ) async -> Loan<Value> {
        if checkingFirst, !isReusable() { return .refused }
        do {
            let value = try await body(self)
            return .returned(.success(value), reusable: isReusable())
        } catch {
            return .returned(.failure(error), reusable: isReusable())
        }
    }
}
