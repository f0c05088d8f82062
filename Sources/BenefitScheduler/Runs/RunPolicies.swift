/// Why a run exists.
public enum RunTrigger: String, Sendable, Codable, CaseIterable {
    case schedule
    case manual
    case catchUp = "catch-up"
    /// Created by `campaign backfill` for a past fire time that had no run.
    case backfill
}

/// Where a run is in its life.
public enum RunState: String, Sendable, Codable, CaseIterable {
    case pending, running, succeeded, failed, cancelled

    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
