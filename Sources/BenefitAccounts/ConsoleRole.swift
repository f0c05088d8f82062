/// What a console user may do: read (viewer) or also act (operator).
public enum ConsoleRole: String, Sendable, Codable, CaseIterable {
    /// Reads every page; any action is refused (HTTP 403).
    case viewer
    /// Reads and acts: pauses, triggers, cancels, retries.
    case `operator`

    /// Whether a user of this role may take actions, not only read.
    public var canAct: Bool { self == .operator }
}
