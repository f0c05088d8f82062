import Foundation
import PostgresClient

/// Who holds a lease: recorded in every attempt row.
public struct WorkerIdentity: Sendable, Hashable {
    public let name: String
    public let host: String
    public let pid: Int

    /// The most characters a name given to a worker or a scheduler may have.
    public static let maximumNameLength = 200

    /// What is wrong with a name an operator gives (`--name`), or nil: 1 to ``maximumNameLength`` characters PostgreSQL can store.
    public static func nameProblem(_ name: String) -> String? {
        StorableText.nonBlankProblem(name, maximumLength: maximumNameLength)
    }

    public init(name: String? = nil) {
        host = ProcessInfo.processInfo.hostName
        pid = Int(ProcessInfo.processInfo.processIdentifier)
        self.name = name ?? "\(host)-\(pid)"
    }
}
