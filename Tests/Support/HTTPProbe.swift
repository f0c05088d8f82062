import BenefitCore
import Foundation

/// A plain HTTP/1.1 GET to 127.0.0.1, for tests of the daemons' metrics endpoint:
/// no proxy settings, no client library, nothing between the test and the socket.
public enum HTTPProbe {
    public struct Answer: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: String

        /// Whether the body holds all the Content-Length announced (true when none was).
        var isComplete: Bool { headers["content-length"].flatMap(Int.init).map { body.utf8.count >= $0 } ?? false }
    }

    /// `GET path` on 127.0.0.1:`port`; throws when nothing listens or no answer
    /// comes within `timeout` (the socket's own send and receive timeouts).
    public static func get(port: Int, path: String, timeout: Duration = .seconds(20)) async throws -> Answer {
        try await runBlocking("http-get") { try blockingGet(port: port, path: path, timeout: timeout) }
    }

    private static func blockingGet(port: Int, path: String, timeout: Duration) throws -> Answer {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPProbeError("cannot open a socket") }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HTTPProbeError("nothing listens on 127.0.0.1:\(port)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw HTTPProbeError("could not send the request")
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        // Until the server closes, or the whole body of its Content-Length came.
        while (try? parse(received)).map({ !$0.isComplete }) ?? true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 { throw HTTPProbeError("no answer from 127.0.0.1:\(port)\(path)") }
            if count == 0 { break }
            received.append(contentsOf: chunk[0..<count])
        }
        return try parse(received)
    }

    /// A response: its status line, headers and the body received so far.
    static func parse(_ bytes: [UInt8]) throws -> Answer {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }),
              let head = String(bytes: bytes[..<end], encoding: .utf8),
              let body = String(bytes: bytes[(end + separator.count)...], encoding: .utf8)
        else { throw HTTPProbeError("not an HTTP response") }
        let lines = head.components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw HTTPProbeError("not an HTTP status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: body)
    }
}

public struct HTTPProbeError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
