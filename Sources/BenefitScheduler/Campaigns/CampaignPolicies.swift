/// What the scheduler does with fire times that passed while no scheduler ran or the campaign was paused (`schedule.catchUp`).
public enum CatchUpPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Skip every missed fire time; the campaign next runs at its next fire time.
    case none
    /// Run once for the most recent missed fire time only; the default.
    ///
    /// The usual choice for benefit work: a campaign that missed three weekly
    /// runs while the servers were down should catch up once, not three times.
    case latest
    /// Run once for each missed fire time, oldest first.
    case all
}

/// What the scheduler does when a fire time comes while the campaign's previous run is still going (`schedule.overlap`).
public enum OverlapPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Do not run for this fire time; the default.
    case skip
    /// Run for this fire time once the previous run has finished.
    case queue
    /// Run for this fire time at once, alongside the previous run.
    case allow
}

/// The period a campaign's effects are unique within: a member gets at most one grant, appointment or allocation per campaign and cycle (`cycle`).
///
/// The cycle of a run is read off its fire time in the campaign's time zone,
/// so a run at 00:30 on 1 January in Shanghai belongs to the new year even
/// though it is still the old one in UTC.
public enum CampaignCycle: String, Sendable, Hashable, Codable, CaseIterable {
    /// The calendar year of the fire time; the default.
    case yearly
    /// The calendar month of the fire time.
    case monthly
    /// Each run is its own cycle, so every run may give every member an effect again.
    case run
}
