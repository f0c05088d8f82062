import Foundation

/// Finds free TCP ports on 127.0.0.1.
public enum PortProbe {
    /// A port the kernel just handed out as free.
    public static func freePort() throws -> Int {
        let socket = try boundSocket(port: 0)
        defer { close(socket) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func isFree(_ port: Int) -> Bool {
        guard let socket = try? boundSocket(port: port) else { return false }
        close(socket)
        return true
    }

    private static func boundSocket(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PortProbeError("cannot open a socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw PortProbeError("port \(port) on 127.0.0.1 is taken")
        }
        return descriptor
    }
}

/// No socket could be had, or the port is taken.
public struct PortProbeError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
