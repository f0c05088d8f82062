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
        guard !queries.isEmpty else { return [] }
        let bindings = try queries.map { try $0.bindings.validated() }
        guard PQenterPipelineMode(raw) == 1, PQsetnonblocking(raw, 1) == 0 else {
            throw PostgresError(code: .protocolViolation, message: "cannot enter pipeline mode: \(String(cString: PQerrorMessage(raw)))")
        }
        defer {
            PQsetnonblocking(raw, 0)
            PQexitPipelineMode(raw)
        }
        var results: [PostgresRows] = []
        results.reserveCapacity(queries.count)
        var firstError: PostgresError?
        var sent = 0, received = 0
        var synced = false, awaitingEnd = false

        while true {
            var outputPending = false
            while sent < queries.count {
                let ok = bindings[sent].withCParameters { count, types, values in
                    PQsendQueryParams(raw, queries[sent].sql, count, types, values, nil, nil, 0)
                }
                guard ok == 1 else { throw connectionError(sql: queries[sent].sql) }
                sent += 1
                if PQflush(raw) == 1 { outputPending = true; break }
            }
            if sent == queries.count, !synced {
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
                    if firstError == nil { firstError = serverError(result, sql: queries[received].sql) }
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
            if !outputPending, sent < queries.count { continue }

            var fd = pollfd(fd: PQsocket(raw), events: Int16(POLLIN) | (outputPending ? Int16(POLLOUT) : 0), revents: 0)
            if poll(&fd, 1, -1) < 0, errno != EINTR {
                throw PostgresError(code: .protocolViolation, message: "poll failed: \(String(cString: strerror(errno)))")
            }
        }
        if let firstError { throw firstError }
        return results
    }
}
