import CPostgres
import Foundation

/// A NOTIFY received on a channel this connection listens to.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let senderPID: Int32
}

extension PostgresConnection {
    /// Starts listening on a channel.
    public func listen(_ channel: String) throws {
        try query("LISTEN \(identifier: channel)")
    }

    /// The notifications this connection receives, as they arrive.
    ///
    /// Waiting blocks this connection's own thread in `poll` on its socket (no
    /// busy polling), so give listening a connection of its own. The sequence
    /// ends when the iterating task is cancelled, and throws if the connection breaks.
    public nonisolated func notifications() -> PostgresNotifications {
        PostgresNotifications(connection: self)
    }

    /// Blocks until a notification arrives or `wake` is signalled (then nil).
    func waitForNotification(wake: WakeSignal) throws -> PostgresNotification? {
        while true {
            if let notification = takeNotification() { return notification }
            if wake.isSignalled { return nil }
            var fds = [
                pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError(code: .protocolViolation, message: "poll failed: \(String(cString: strerror(errno)))")
            }
            if fds[0].revents != 0, PQconsumeInput(raw) != 1 {
                throw connectionError(sql: nil)
            }
        }
    }

    private func takeNotification() -> PostgresNotification? {
        guard let notify = PQnotifies(raw) else { return nil }
        defer { PQfreemem(notify) }
        return PostgresNotification(
            channel: String(cString: notify.pointee.relname),
            payload: String(cString: notify.pointee.extra),
            senderPID: notify.pointee.be_pid)
    }
}

/// An async sequence of notifications; see ``PostgresConnection/notifications()``.
public struct PostgresNotifications: AsyncSequence, Sendable {
    public typealias Element = PostgresNotification
    let connection: PostgresConnection

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(connection: connection)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let connection: PostgresConnection
        let wake = WakeSignal()

        public mutating func next() async throws -> PostgresNotification? {
            let wake = wake
            let connection = connection
            // Cancellation cannot interrupt a blocked poll, so it writes to a pipe
            // that the poll also watches.
            return try await withTaskCancellationHandler {
                try await connection.waitForNotification(wake: wake)
            } onCancel: {
                wake.signal()
            }
        }
    }
}

/// A pipe that wakes a thread blocked in `poll`; once signalled it stays signalled.
final class WakeSignal: Sendable {
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    init() {
        var descriptors: [Int32] = [-1, -1]
        precondition(pipe(&descriptors) == 0, "pipe failed: \(errno)")
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        }
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    var isSignalled: Bool {
        var fd = pollfd(fd: readDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, 0) > 0
    }
}
