/// Why a run exists.
public enum RunTrigger: String, Sendable, Codable {
    case schedule
    case manual
    case catchUp = "catch-up"
}

/// Where a run is in its life.
public enum RunState: String, Sendable, Codable, CaseIterable {
    case pending, running, succeeded, failed, cancelled

    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
