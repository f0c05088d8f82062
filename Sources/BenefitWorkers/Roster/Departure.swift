import BenefitCore
import PostgresClient

/// Why a member left the union (`benefit.member.left_reason`).
public enum LeaveReason: String, CaseIterable, Sendable {
    /// Moved to another union.
    case transferred
    /// Retired from membership (not from work: retired workers stay members).
    case retired
    case deceased
    /// Not in a complete roster file (`members import --complete`); set by the import only.
    case absent

    /// The reasons an operator gives `members leave`; `absent` is the import's.
    public static let given: [LeaveReason] = [.transferred, .retired, .deceased]
}

/// A member leaving the union: who, on which day, why, and an optional note.
///
/// From `leftOn` on, the member is in no program's population (a run whose fire
/// date is on or after it leaves them out); everything done for them stays.
public struct Departure: Sendable, Hashable {
    public let memberID: String
    public let leftOn: CalendarDate
    public let reason: LeaveReason
    public let note: String?

    /// The most characters a note may have (`benefit.member.left_note`).
    public static let maximumNoteLength = 500

    /// A departure, checked against what the roster stores.
    ///
    /// - Parameter today: The day it is in the union's zone; a member cannot leave after it.
    /// - Throws: ``MembershipError`` (`.invalidDeparture`) naming the option at fault.
    public init(memberID: String, leftOn: CalendarDate, reason: LeaveReason, note: String?, today: CalendarDate) throws(MembershipError) {
        if leftOn > today {
            throw MembershipError(.invalidDeparture, "--date \(leftOn) is after today (\(today)); record a leave once it has happened")
        }
        if let note, let problem = StorableText.nonBlankProblem(note, maximumLength: Self.maximumNoteLength, blank: "empty; leave it out or say something") {
            throw MembershipError(.invalidDeparture, "--note: \(problem)")
        }
        self.memberID = memberID
        self.leftOn = leftOn
        self.reason = reason
        self.note = note
    }
}
