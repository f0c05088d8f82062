/// Why a console account could not be created, changed or found.
///
/// `description` is one line for an operator: what was wrong, naming the field.
public struct AccountsError: Error, CustomStringConvertible, Sendable {
    /// What kind of refusal.
    public struct Code: Hashable, Sendable {
        private enum Kind { case invalidName, invalidPassword, nameTaken, noSuchUser }
        private let kind: Kind
        /// The user name is empty, too long, or holds spaces or control characters.
        public static let invalidName = Code(kind: .invalidName)
        /// The password breaks ``ConsolePassword/rule``.
        public static let invalidPassword = Code(kind: .invalidPassword)
        /// A user of that name exists already.
        public static let nameTaken = Code(kind: .nameTaken)
        /// No user has that name.
        public static let noSuchUser = Code(kind: .noSuchUser)
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
