import CPostgres
import Foundation

extension PostgresConnection {
    /// Sends many statements without waiting for each answer, then reads all answers.
    ///
    /// Uses libpq's pipeline mode: one network round trip (not one per statement)
    /// and, since a single sync ends the batch, one implicit transaction unless the
    /// batch opens its own. If any statement fails, the ones after it are skipped by
    /// the server and the first error is thrown.
    ///
    /// The socket is non-blocking while the pipeline runs and results are read
    /// while statements are still being sent: otherwise both socket buffers could
    /// fill and each side would wait for the other forever.
    ///
    /// ``PostgresQuery/prepared()`` queries run as their prepared statements; one
    /// this connection has not made yet is made in the same pipeline, just before
    /// it first runs.
    public func pipeline(_ queries: [PostgresQuery]) throws -> [PostgresRows] {
        // All checked before any is named: a statement named is one this pipeline makes.
        let bindings = try queries.map { try $0.bindings.validated() }
        return try send(zip(queries, bindings).map { query, bindings in
            Statement(sql: query.sql, bindings: bindings, prepared: preparedStatement(query, bindings))
        })
    }

    /// Makes `statement` from `sql` and runs it with `bindings`, in one round trip.
    func runMaking(_ sql: String, _ bindings: PostgresBindings, as statement: PreparedStatement) throws -> PostgresRows {
        try send([Statement(sql: sql, bindings: bindings, prepared: statement)])[0]
    }

    /// Sends `statements` in one pipeline. If it fails, the prepared statements it
    /// was to make are forgotten, made by the server or not: each is made again
    /// on its next use (one made here stays on the server, unused).
    private func send(_ statements: [Statement]) throws -> [PostgresRows] {
        do {
            return try send(count: statements.count) { statements[$0] }
        } catch {
            for case let prepared? in statements.map(\.prepared) where prepared.needsMaking { forgetPrepared(prepared.name) }
            throw error
        }
    }

    /// As ``pipeline(_:)``, with statement `index` made by `query(index)` just
    /// before it is sent: the server runs the statements already sent while the
    /// next one is made, so making large statements (a bulk enqueue's arrays)
    /// overlaps with running them.
    ///
    /// The statements run in one transaction: the caller's, or one of their own.
    /// They go as unnamed statements, marked ``PostgresQuery/prepared()`` or not.
    /// If making a statement throws, none after it is sent, the answers of those
    /// sent are read and the error is thrown, and (in a transaction of their own)
    /// nothing of them is kept.
    public nonisolated func pipeline(
        count: Int, _ query: @escaping @Sendable (Int) throws -> PostgresQuery
    ) async throws -> [PostgresRows] {
        if await inTransaction { return try await pipelineMaking(count: count, query) }
        return try await transaction { connection in try await connection.pipelineMaking(count: count, query) }
    }

    private func pipelineMaking(count: Int, _ query: @Sendable (Int) throws -> PostgresQuery) throws -> [PostgresRows] {
        try send(count: count) { index in
            let made = try query(index)
            return Statement(sql: made.sql, bindings: try made.bindings.validated(), prepared: nil)
        }
    }

    /// One statement of a pipeline, ready to send.
    private struct Statement {
        let sql: String
        let bindings: PostgresBindings
        /// Its prepared statement on this connection, if it runs as one.
        let prepared: PreparedStatement?
    }

    /// The pipeline itself: statement `index` is `statement(index)`, called just before it is sent.
    private func send(
        count: Int, _ statement: (Int) throws -> Statement
    ) throws -> [PostgresRows] {
        guard count > 0 else { return [] }
        guard PQenterPipelineMode(raw) == 1, PQsetnonblocking(raw, 1) == 0 else {
            throw PostgresError(code: .protocolViolation, message: "cannot enter pipeline mode: \(String(cString: PQerrorMessage(raw)))")
        }
        defer {
            PQsetnonblocking(raw, 0)
            PQexitPipelineMode(raw)
        }
        var results: [PostgresRows] = []
        results.reserveCapacity(count)
        // What was sent, in order: each statement, after its prepared statement's
        // making where it is made here (`making`); each yields one result, then a NULL.
        var sentItems: [(statement: Statement, making: Bool)] = []
        sentItems.reserveCapacity(count)
        var firstError: (any Error)?
        // Statements to send: fewer than `count` once making one failed.
        var toSend = count
        var sent = 0, received = 0
        var synced = false, awaitingEnd = false

        while true {
            var outputPending = false
            while sent < toSend {
                let made: Statement
                do {
                    made = try statement(sent)
                } catch {
                    firstError = firstError ?? error
                    toSend = sent
                    break
                }
                let ok = made.bindings.withCParameters { count, types, values in
                    guard let prepared = made.prepared else {
                        return PQsendQueryParams(raw, made.sql, count, types, values, nil, nil, 0)
                    }
                    if prepared.needsMaking {
                        guard PQsendPrepare(raw, prepared.name, made.sql, count, types) == 1 else { return 0 }
                        sentItems.append((made, making: true))
                    }
                    return PQsendQueryPrepared(raw, prepared.name, count, values, nil, nil, 0)
                }
                guard ok == 1 else { throw connectionError(sql: made.sql) }
                sentItems.append((made, making: false))
                sent += 1
                // The last statement goes out with the sync (PQpipelineSync flushes):
                // a single statement, its making included, is one write, as the
                // unnamed statement's Parse, Bind, Execute and Sync are.
                if sent < toSend, PQflush(raw) == 1 { outputPending = true; break }
            }
            if sent == toSend, !synced {
                guard PQpipelineSync(raw) == 1 else { throw connectionError(sql: nil) }
                synced = true
            }
            let flushed = PQflush(raw)
            guard flushed >= 0 else { throw connectionError(sql: nil) }
            outputPending = outputPending || flushed == 1

            guard PQconsumeInput(raw) == 1 else { throw connectionError(sql: nil) }
            var finished = false
            // Each statement yields one result then a NULL; the sync yields PIPELINE_SYNC.
            while (awaitingEnd || received < sentItems.count || synced), PQisBusy(raw) == 0 {
                let result = PQgetResult(raw)
                if awaitingEnd {
                    if let result { PQclear(result) }
                    awaitingEnd = false
                    continue
                }
                guard let result else { break }
                let item = PQresultStatus(result) == PGRES_PIPELINE_SYNC ? nil : sentItems[received]
                if let item, item.making {
                    // The making's own answer: a refusal is the statement's error.
                    if PQresultStatus(result) == PGRES_FATAL_ERROR, firstError == nil {
                        firstError = serverError(result, sql: item.statement.sql)
                    }
                    PQclear(result)
                    received += 1
                    awaitingEnd = true
                    continue
                }
                switch PQresultStatus(result) {
                case PGRES_PIPELINE_SYNC:
                    PQclear(result)
                    finished = true
                case PGRES_PIPELINE_ABORTED:
                    PQclear(result)
                    results.append(PostgresRows(result: nil, affectedRows: 0))
                    received += 1
                    awaitingEnd = true
                case PGRES_FATAL_ERROR:
                    if firstError == nil { firstError = serverError(result, sql: sentItems[received].statement.sql) }
                    // Made again next time (see ``query(_:)``); this pipeline has failed.
                    if Self.isStalePlan(result), let prepared = sentItems[received].statement.prepared { forgetPrepared(prepared.name) }
                    PQclear(result)
                    results.append(PostgresRows(result: nil, affectedRows: 0))
                    received += 1
                    awaitingEnd = true
                default:
                    results.append(PostgresRows(result: PostgresResult(result), affectedRows: Self.affectedRows(result)))
                    received += 1
                    awaitingEnd = true
                }
                if finished { break }
            }
            if finished { break }
            if !outputPending, sent < toSend { continue }

            var fd = pollfd(fd: PQsocket(raw), events: Int16(POLLIN) | (outputPending ? Int16(POLLOUT) : 0), revents: 0)
            if poll(&fd, 1, -1) < 0, errno != EINTR {
                throw PostgresError(code: .protocolViolation, message: "poll failed: \(String(cString: strerror(errno)))")
            }
        }
        if let firstError { throw firstError }
        return results
    }
}
