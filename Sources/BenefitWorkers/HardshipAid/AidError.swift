/// Why an aid command did not do what was asked.
public struct AidError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; more codes may be added without breaking callers.
    public struct Code: Hashable, Sendable {
        private enum Kind { case invalid, refused, notFound }
        private let kind: Kind
        /// A value given is malformed (an amount, a category name, a blank statement).
        public static let invalid = Code(kind: .invalid)
        /// The database refused it under one of the program's rules (a cap, the
        /// two-reviewer rule, a member who does not qualify, a decided application).
        public static let refused = Code(kind: .refused)
        /// No such application or campaign.
        public static let notFound = Code(kind: .notFound)
    }

    public let code: Code
    /// One line, saying what was wrong.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
