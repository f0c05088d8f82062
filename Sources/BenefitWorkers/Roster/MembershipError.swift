/// Why a member's status could not be changed; nothing was written.
public struct MembershipError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a small set of codes; more may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case invalidDeparture, noSuchMember, alreadyLeft
        }
        let base: Base
        private init(_ base: Base) { self.base = base }

        /// The date or note given cannot be recorded (a date after today or before the member's birth, a blank note).
        public static let invalidDeparture = Code(.invalidDeparture)
        /// No member on the roster has that id.
        public static let noSuchMember = Code(.noSuchMember)
        /// The member has already left.
        public static let alreadyLeft = Code(.alreadyLeft)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// One line: what is wrong, naming the member, option or date at fault.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
