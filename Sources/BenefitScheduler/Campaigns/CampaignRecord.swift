import Foundation

/// A campaign as stored: its id, current revision and definition.
public struct CampaignRecord: Sendable {
    public let id: Int
    public let name: String
    public let revision: Int
    public let definition: CampaignDefinition
    public let paused: Bool
    public let pausedReason: String?
    public let scheduledThrough: Date
}
