import BenefitCore
import HummingbirdBcrypt
import Synchronization

/// Console passwords: the rule a new one must pass, and bcrypt hashing and
/// checking, always on a thread of their own (a check at cost 12 takes a quarter
/// of a second of CPU, which must not hold Swift's cooperative pool).
public enum ConsolePassword {
    /// The rule, in the words a person is told when a password is refused.
    public static let rule = "A password needs at least 12 characters (and at most 72 bytes, bcrypt's limit)."

    /// The fewest characters a password may have.
    public static let minimumLength = 12
    /// The most UTF-8 bytes a password may have: bcrypt ignores anything past 72,
    /// so a longer password would be taken for any other with the same start.
    public static let maximumBytes = 72

    /// bcrypt's cost (log2 of its rounds) for new hashes: about 250 ms per hash
    /// on a server core, what a console login can afford and a guesser cannot.
    public static let standardCost: UInt8 = 12

    /// The cost new hashes are made with: ``standardCost``, lowered by tests to stay fast.
    static let cost = Mutex<UInt8>(standardCost)

    /// What is wrong with `password` as a new password, or nil.
    public static func problem(_ password: String) -> String? {
        // bcrypt reads a C string: a NUL would end the password there.
        if password.count < minimumLength || password.utf8.count > maximumBytes || password.unicodeScalars.contains("\0") {
            return rule
        }
        return nil
    }

    /// The bcrypt hash of `password` at the current cost, made off the cooperative pool.
    static func hash(_ password: String) async throws -> String {
        let cost = Self.cost.withLock { $0 }
        return try await runBlocking("bcrypt-hash") { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`, checked off the cooperative pool. With no
    /// hash (no such user, or disabled), checks against a dummy hash of the same
    /// cost and answers false: the answer takes as long either way, so timing does
    /// not tell which names exist.
    static func matches(_ password: String, hash: String?) async throws -> Bool {
        let cost = Self.cost.withLock { $0 }
        // A password no user can have is checked all the same, and refused.
        let possible = problem(password) == nil
        return try await runBlocking("bcrypt-verify") {
            let checked = Bcrypt.verify(password, hash: hash ?? dummyHash(cost: cost))
            return checked && hash != nil && possible
        }
    }

    /// One hash per cost, of a password nobody knows, made the first time it is needed.
    private static let dummies = Mutex<[UInt8: String]>([:])

    private static func dummyHash(cost: UInt8) -> String {
        if let hash = dummies.withLock({ $0[cost] }) { return hash }
        let hash = Bcrypt.hash(SessionToken.random(), cost: cost)
        dummies.withLock { $0[cost] = hash }
        return hash
    }
}
