/// A handler error that says whether trying again could help.
public protocol JobFailure: Error {
    /// False sends the job straight to dead (bad parameters, unknown kind).
    var isRetryable: Bool { get }
}

/// An error no retry can fix: the job goes dead at once, keeping this message.
public struct PermanentFailure: JobFailure, CustomStringConvertible {
    public let description: String
    public var isRetryable: Bool { false }
    public init(_ description: String) { self.description = description }
}

/// Thrown by a handler that finds its job's work no longer wanted (the producer
/// withdrew it, or an operator cancelled what it belongs to): the job ends `cancelled`, not
/// dead, and is not retried. Nothing the handler wrote in an uncommitted
/// transaction is kept.
public struct JobCancelled: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The job no longer carries this attempt's lease token: another worker took it
/// over (or an operator cancelled it), so this attempt's effects were not committed.
public struct LeaseLost: Error, CustomStringConvertible {
    public let lease: LeaseKey
    public var description: String { "job \(lease.jobID) lost lease \(lease.token): its effects were not committed" }
}
