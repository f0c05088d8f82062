/// What happens to fire times that passed while no scheduler ran or the campaign was paused.
public enum CatchUpPolicy: String, Sendable, Codable, CaseIterable {
    /// Skip them all.
    case none
    /// Run only the most recent one.
    case latest
    /// Run each of them.
    case all
}

/// What happens when a fire time comes while the campaign's previous run is still going.
public enum OverlapPolicy: String, Sendable, Codable, CaseIterable {
    /// Skip this fire time.
    case skip
    /// Create the run now and start it when the previous one ends.
    case queue
    /// Start it alongside.
    case allow
}

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
