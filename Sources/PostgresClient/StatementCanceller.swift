import CPostgres
import Dispatch

/// Asks the server to cancel whatever statement a connection is running
/// (`PQcancel`), from outside the connection's own thread.
///
/// libpq makes `PQcancel` safe to call from any thread while the connection is
/// busy; it opens a connection of its own to the server, so it blocks: it runs
/// on a dispatch queue, never on the cooperative pool.
final class StatementCanceller: @unchecked Sendable {
    // @unchecked: the PGcancel object is only read after init (PQcancel is
    // thread-safe by libpq's contract) and freed once, in deinit.
    private let handle: OpaquePointer?

    init(_ connection: OpaquePointer) {
        handle = PQgetCancel(connection)
    }

    /// Sends the cancel request and returns at once; the statement, if any, ends
    /// with SQLSTATE 57014 (query_canceled).
    func cancel() {
        guard handle != nil else { return }
        DispatchQueue.global().async { self.send() }
    }

    private func send() {
        var reason = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &reason, Int32(reason.count))
    }

    deinit {
        if let handle { PQfreeCancel(handle) }
    }
}
