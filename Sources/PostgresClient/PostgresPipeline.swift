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
    public func pipeline(_ queries: [PostgresQuery]) throws -> [PostgresRows] {
        let bindings = try queries.map { try $0.bindings.validated() }
        return try send(count: queries.count) { index in (queries[index].sql, bindings[index]) }
    }

    /// As ``pipeline(_:)``, with statement `index` made by `query(index)` just
    /// before it is sent: the server runs the statements already sent while the
    /// next one is made, so making large statements (a bulk enqueue's arrays)
    /// overlaps with running them.
    ///
    /// The statements run in one transaction: the caller's, or one of their own.
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
            return (made.sql, try made.bindings.validated())
        }
    }

    /// The pipeline itself: statement `index` is `statement(index)`, called just before it is sent.
    private func send(
        count: Int, _ statement: (Int) throws -> (sql: String, bindings: PostgresBindings)
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
        var sqls: [String] = []
        sqls.reserveCapacity(count)
        var firstError: (any Error)?
        // Statements to send: fewer than `count` once making one failed.
        var toSend = count
        var sent = 0, received = 0
        var synced = false, awaitingEnd = false

        while true {
            var outputPending = false
            while sent < toSend {
                let made: (sql: String, bindings: PostgresBindings)
                do {
                    made = try statement(sent)
                } catch {
                    firstError = firstError ?? error
                    toSend = sent
                    break
                }
                let ok = made.bindings.withCParameters { count, types, values in
                    PQsendQueryParams(raw, made.sql, count, types, values, nil, nil, 0)
                }
                guard ok == 1 else { throw connectionError(sql: made.sql) }
                sqls.append(made.sql)
                sent += 1
                if PQflush(raw) == 1 { outputPending = true; break }
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
            while (awaitingEnd || received < sent || synced), PQisBusy(raw) == 0 {
                let result = PQgetResult(raw)
                if awaitingEnd {
                    if let result { PQclear(result) }
                    awaitingEnd = false
                    continue
                }
                guard let result else { break }
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
                    if firstError == nil { firstError = serverError(result, sql: sqls[received]) }
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
