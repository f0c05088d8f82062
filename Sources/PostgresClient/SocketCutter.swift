import Foundation

/// Shuts a connection's socket down from outside the connection's own thread,
/// while a libpq call may be blocked on it (``PostgresConnection/cutConnection()``).
///
/// It holds a duplicate descriptor of the socket: libpq closes its own descriptor
/// when the connection breaks, and the number may at once be reused by another
/// file, which a cut through that number would hit. The duplicate names this
/// socket until the cutter goes (it keeps the socket open until then too; the
/// cutter goes with its connection).
final class SocketCutter: Sendable {
    private let descriptor: Int32

    init(socket: Int32) {
        // Close-on-exec, as libpq's own: a child process must not inherit it.
        descriptor = socket >= 0 ? fcntl(socket, F_DUPFD_CLOEXEC, 0) : -1
    }

    /// Both directions: a blocked read sees the end, a blocked write fails.
    func cut() {
        if descriptor >= 0 { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}
