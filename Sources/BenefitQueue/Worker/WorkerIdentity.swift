import Foundation

/// Who holds a lease: recorded in every attempt row.
public struct WorkerIdentity: Sendable, Hashable {
    public let name: String
    public let host: String
    public let pid: Int

    public init(name: String? = nil) {
        host = ProcessInfo.processInfo.hostName
        pid = Int(ProcessInfo.processInfo.processIdentifier)
        self.name = name ?? "\(host)-\(pid)"
    }
}
