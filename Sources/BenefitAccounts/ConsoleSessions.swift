import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// Signing in to the console and the sessions that follow, kept in PostgreSQL so
/// that several console processes share them and their login limits.
///
/// A session is known by a random token, the cookie's value, which only the
/// browser keeps: the database holds its SHA-256. Each use moves its expiry to
/// ``Configuration/idleTimeout`` from now, never past ``Configuration/absoluteTimeout``
/// from sign-in. Failed logins are counted per name and per client address; past
/// either limit, ``logIn(name:password:client:)`` answers `.rateLimited` without
/// checking the password.
public struct ConsoleSessions: Sendable {
    /// How long sessions last and how many failed logins are allowed.
    public struct Configuration: Sendable {
        /// A session unused for this long ends. (default: 8 hours)
        public var idleTimeout: Duration = .seconds(8 * 3_600)
        /// A session ends this long after sign-in, however much it is used. (default: 7 days)
        public var absoluteTimeout: Duration = .seconds(7 * 86_400)
        /// Failed logins of one name, since its last success, allowed within ``failureWindow``. (default: 5)
        public var failuresPerName = 5
        /// Failed logins from one client address allowed within ``failureWindow``. (default: 20)
        public var failuresPerClient = 20
        /// The window failures are counted in (at most a day). (default: 15 minutes)
        public var failureWindow: Duration = .seconds(15 * 60)
        /// Password checks run at once (each takes a quarter of a second of a core). (default: 2)
        public var concurrentPasswordChecks = 2
        /// Sign-ins that may wait for a check; past that, `.busy`. (default: 16)
        public var waitingPasswordChecks = 16

        public init() {}
    }

    public let configuration: Configuration
    private let pool: PostgresPool
    /// Bounds the bcrypt work a flood of sign-ins can start (``Configuration/concurrentPasswordChecks``).
    private let passwordChecks: AdmissionLimit

    /// - Parameter pool: a pool on the database as a benefit_operator login.
    public init(pool: PostgresPool, configuration: Configuration = Configuration()) {
        self.pool = pool
        self.configuration = configuration
        self.passwordChecks = AdmissionLimit(slots: configuration.concurrentPasswordChecks, queueLength: configuration.waitingPasswordChecks)
    }

    /// Checks `password` for the user `name` and, if it is theirs and they are
    /// not disabled, opens a session.
    ///
    /// An unknown name, a disabled user and a wrong password all answer `.refused`,
    /// after the same bcrypt work. Every attempt that is not rate-limited counts
    /// towards the limits until it succeeds.
    ///
    /// - Parameter client: the client's address as the console sees it (for the
    ///   per-client limit and the session's record).
    public func logIn(name: String, password: String, client: String) async throws -> LoginOutcome {
        // What cannot be stored is recorded as something that can: it still counts.
        let recordedName = StorableText.problem(name) == nil ? name : "(unstorable name)"
        let recordedClient = StorableText.problem(client) == nil ? client : "(unstorable client)"
        let (attempt, hash, retryAfter) = try await pool.query(
            ConsoleSessionQueries.beginLogin(name: recordedName, client: recordedClient, limits: configuration)
        ).single((Int?, String?, Int?).self)
        if let retryAfter { return .rateLimited(retryAfter: .milliseconds(retryAfter)) }
        guard let attempt else { throw PostgresError(code: .decoding, message: "console_login_begin returned neither an attempt nor a wait") }

        let checked = try await passwordChecks.run {
            try await ConsolePassword.matches(password, hash: recordedName == name ? hash : nil)
        }
        guard let checked else { return .busy }
        guard checked else { return .refused }

        let token = SessionToken.random()
        let csrfToken = SessionToken.random()
        // The session and its record in the audit trail commit together.
        let user: (user: ConsoleUser, expiresAt: Date)? = try await pool.transaction { transaction in
            let opened = try await transaction.query(ConsoleSessionQueries.openSession(
                attempt: attempt, tokenHash: SessionToken.storedHash(of: token), csrfToken: csrfToken, limits: configuration)
            ).first((Int, String, String, Date?, Date, Date?, Date).self)
            guard let (id, userName, role, disabledAt, createdAt, lastLoginAt, expiresAt) = opened else { return nil }
            let user = try ConsoleUserRow.user((id, userName, role, disabledAt, createdAt, lastLoginAt))
            try await AuditTrail.record(
                try AuditEntry(.userLogin, target: user.name, reason: nil, by: Self.operatorName(user), details: ["client": .text(recordedClient)]),
                on: transaction)
            return (user, expiresAt)
        }
        guard let user else { return .refused }
        return .signedIn(Session(user: user.user, token: token, csrfToken: csrfToken, expiresAt: user.expiresAt))
    }

    /// How a console user is named as the one who acted in the audit trail.
    public static func operatorName(_ user: ConsoleUser) -> String {
        "\(user.name) (console)"
    }

    /// The live session of a cookie's `token`, its expiry moved on by this use; nil
    /// when the token is malformed or unknown, the session expired, or its user was disabled.
    public func session(token: String) async throws -> Session? {
        guard SessionToken.isWellFormed(token) else { return nil }
        let found = try await pool.query(ConsoleSessionQueries.touch(tokenHash: SessionToken.storedHash(of: token), limits: configuration))
            .first((Int, String, String, Date?, Date, Date?, String, Date).self)
        guard let (id, name, role, disabledAt, createdAt, lastLoginAt, csrfToken, expiresAt) = found else { return nil }
        let user = try ConsoleUserRow.user((id, name, role, disabledAt, createdAt, lastLoginAt))
        return Session(user: user, token: token, csrfToken: csrfToken, expiresAt: expiresAt)
    }

    /// Ends `session`, recorded in the audit trail; false, and nothing recorded,
    /// when it had ended already.
    @discardableResult
    public func logOut(_ session: Session) async throws -> Bool {
        guard SessionToken.isWellFormed(session.token) else { return false }
        let entry = try AuditEntry(.userLogout, target: session.user.name, reason: nil, by: Self.operatorName(session.user))
        return try await pool.transaction { transaction in
            guard try await transaction.query(ConsoleSessionQueries.end(tokenHash: SessionToken.storedHash(of: session.token))).single(Bool.self) else {
                return false
            }
            try await AuditTrail.record(entry, on: transaction)
            return true
        }
    }
}

/// What a login attempt came to.
public enum LoginOutcome: Sendable {
    /// The password was right: a new session, whose token goes in the cookie.
    case signedIn(Session)
    /// Wrong password, unknown name or disabled user: the console does not say which.
    case refused
    /// Too many failures for this name or this client: try again after `retryAfter`.
    case rateLimited(retryAfter: Duration)
    /// Too many sign-ins are being checked at once: try again in a moment (the
    /// attempt counts towards the limits, as a failure would).
    case busy
}

/// A signed-in user's session.
public struct Session: Sendable {
    public let user: ConsoleUser
    /// The cookie's value: 32 random bytes, base64url. Never logged, never stored.
    public let token: String
    /// The token every form carries in a hidden field, and every POST must send back.
    public let csrfToken: String
    /// When the session ends if it is not used before then.
    public let expiresAt: Date

    /// Whether `submitted` is this session's CSRF token, compared in constant time.
    public func csrfMatches(_ submitted: String) -> Bool {
        SessionToken.constantTimeEquals(submitted, csrfToken)
    }
}

extension Session: CustomStringConvertible {
    /// Names the user and the expiry, never the tokens.
    public var description: String { "Session(user: \(user.name), expiresAt: \(expiresAt))" }
}
