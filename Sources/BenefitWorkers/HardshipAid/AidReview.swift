import Foundation

/// A reviewer's decision on an application.
public enum AidDecision: Sendable, Hashable {
    /// Approve this many yuan (the first of two approvals when above the campaign's threshold).
    case approve(Decimal)
    case reject
    /// Send it back to whoever recorded it (missing evidence, say).
    case `return`

    var word: String {
        switch self {
        case .approve: "approve"
        case .reject: "reject"
        case .return: "return"
        }
    }

    var amount: Decimal? {
        if case .approve(let amount) = self { return amount }
        return nil
    }
}

/// Where an application stands (`benefit.aid_applications.status`).
public enum AidStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Recorded, not reviewed yet.
    case pending
    /// Approved once above the threshold: waits for a second, different reviewer.
    case secondReview = "second-review"
    /// Approved, not paid yet (a run pays it when the fund covers it).
    case approved
    /// Approved and paid by a run.
    case paid
    case rejected
    /// Sent back to whoever recorded it.
    case returned
}

/// One application as `aid list` shows it.
public struct AidApplicationRow: Sendable, Hashable, Codable {
    public let id: Int
    public let memberID: String
    public let campaign: String
    public let category: String
    public let requested: Decimal
    public let status: AidStatus
    public let recordedBy: String
    public let recordedAt: Date
    public let firstReviewer: String?
    public let decidedBy: String?
    public let reason: String?
    public let approvedAmount: Decimal?
    public let paidAt: Date?
}
