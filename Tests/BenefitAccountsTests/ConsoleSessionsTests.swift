import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@testable import BenefitAccounts

/// Signing in, sessions and login limits against a real PostgreSQL, as the
/// console's benefit_operator login meets them. Time passes by moving the rows'
/// times back as the owner, never by sleeping.
@Suite("Console sessions")
struct ConsoleSessionsTests {
    init() {
        ConsolePassword.cost.withLock { $0 = 4 }
    }

    static let password = "correct horse battery"

    /// A fresh database with users alice (operator) and victor (viewer), the
    /// console's sessions on an operator login, and an owner pool to look and move time.
    static func withConsole(
        failuresPerClient: Int = 20,
        _ body: (ConsoleSessions, PostgresPool) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await ConsoleUsers.add(name: "alice", role: .operator, password: password, by: "setup", on: login)
            try await ConsoleUsers.add(name: "victor", role: .viewer, password: password, by: "setup", on: login)
            var settings = ConsoleSessions.Configuration()
            settings.failuresPerClient = failuresPerClient
            try await body(ConsoleSessions(pool: login, configuration: settings), owner)
        }
    }

    static func signIn(_ sessions: ConsoleSessions, _ name: String, _ password: String = password, from client: String = "10.0.0.7") async throws -> Session? {
        if case .signedIn(let session) = try await sessions.logIn(name: name, password: password, client: client) { return session }
        return nil
    }

    static func isRefused(_ outcome: LoginOutcome) -> Bool {
        if case .refused = outcome { return true }
        return false
    }

    static func retryAfter(_ outcome: LoginOutcome) -> Duration? {
        if case .rateLimited(let wait) = outcome { return wait }
        return nil
    }

    @Test("the right password opens a session for its user; a wrong one, an unknown name and a disabled user are refused alike")
    func logInOutcomes() async throws {
        try await Self.withConsole { sessions, owner in
            let session = try #require(try await Self.signIn(sessions, "alice"))
            #expect(session.user.name == "alice" && session.user.role == .operator && session.user.role.canAct)
            #expect(session.user.lastLoginAt != nil)
            #expect(session.token.count == 43 && session.csrfToken.count == 43 && session.token != session.csrfToken)
            #expect(session.expiresAt > Date().addingTimeInterval(7 * 3_600))
            #expect(try await sessions.session(token: session.token)?.user.name == "alice")
            let viewer = try #require(try await Self.signIn(sessions, "victor"))
            #expect(!viewer.user.role.canAct)

            #expect(Self.isRefused(try await sessions.logIn(name: "alice", password: "correct horse batterY", client: "10.0.0.7")))
            #expect(Self.isRefused(try await sessions.logIn(name: "mallory", password: Self.password, client: "10.0.0.7")))
            // A password that only begins with the right one (bcrypt reads 72 bytes, C strings stop at NUL).
            #expect(Self.isRefused(try await sessions.logIn(name: "alice", password: Self.password + "\0tail", client: "10.0.0.7")))
            try await ConsoleUsers.disable(name: "victor", by: "setup", on: owner)
            #expect(Self.isRefused(try await sessions.logIn(name: "victor", password: Self.password, client: "10.0.0.7")))
            // Disabling ended victor's session; alice's lives on.
            #expect(try await sessions.session(token: viewer.token) == nil)
            #expect(try await sessions.session(token: session.token) != nil)
            #expect(try await owner.query("SELECT count(*) FROM benefit.console_session").single(Int.self) == 1)
        }
    }

    @Test("the database holds the SHA-256 of a session's token, never the token")
    func tokenStoredOnlyHashed() async throws {
        try await Self.withConsole { sessions, owner in
            let session = try #require(try await Self.signIn(sessions, "alice"))
            let (rows, everything, hashMatches) = try await owner.query("""
                SELECT count(*), string_agg(s::text, ' '),
                       bool_and(token_hash = encode(sha256(convert_to(\(session.token), 'UTF8')), 'hex'))
                FROM benefit.console_session s
                """).single((Int, String, Bool).self)
            #expect(rows == 1)
            #expect(hashMatches)
            #expect(!everything.contains(session.token))
            let attempts = try await owner.query("SELECT string_agg(a::text, ' ') FROM benefit.console_login_attempt a").single(String.self)
            #expect(!attempts.contains(session.token) && !attempts.contains(Self.password))
        }
    }

    @Test("a session slides by the idle timeout on each use, ends when idle too long, at its absolute expiry, or on sign-out")
    func sessionExpiry() async throws {
        try await Self.withConsole { sessions, owner in
            let session = try #require(try await Self.signIn(sessions, "alice"))
            let hash = SessionToken.storedHash(of: session.token)
            // Idle for nearly 8 hours: one use moves the expiry 8 hours on again.
            try await owner.query("UPDATE benefit.console_session SET expires_at = now() + interval '1 minute' WHERE token_hash = \(hash)")
            let used = try #require(try await sessions.session(token: session.token))
            #expect(used.expiresAt > Date().addingTimeInterval(7.9 * 3_600))
            #expect(used.csrfToken == session.csrfToken)
            // Never past the absolute expiry, however often used.
            try await owner.query("""
                UPDATE benefit.console_session SET expires_at = now() + interval '5 minutes', absolute_expires_at = now() + interval '10 minutes'
                WHERE token_hash = \(hash)
                """)
            let capped = try #require(try await sessions.session(token: session.token))
            #expect(capped.expiresAt < Date().addingTimeInterval(11 * 60))
            // Idle past its expiry: gone.
            try await owner.query("""
                UPDATE benefit.console_session SET expires_at = now() - interval '1 second', absolute_expires_at = now() WHERE token_hash = \(hash)
                """)
            #expect(try await sessions.session(token: session.token) == nil)

            let other = try #require(try await Self.signIn(sessions, "alice"))
            #expect(try await sessions.logOut(other))
            #expect(try await sessions.session(token: other.token) == nil)
            #expect(try await sessions.logOut(other) == false)

            // A new password ends the sessions opened with the old one.
            let third = try #require(try await Self.signIn(sessions, "alice"))
            try await ConsoleUsers.setPassword(name: "alice", password: "a brand new passphrase", by: "setup", on: owner)
            #expect(try await sessions.session(token: third.token) == nil)
            #expect(try await Self.signIn(sessions, "alice", "a brand new passphrase") != nil)

            // Made-up and malformed tokens find nothing.
            #expect(try await sessions.session(token: SessionToken.random()) == nil)
            #expect(try await sessions.session(token: "' OR 1=1 --") == nil)
            #expect(try await sessions.session(token: "") == nil)
        }
    }

    @Test("after 5 failures a name is refused, even its right password, with how long to wait; a success clears the count")
    func rateLimitPerName() async throws {
        try await Self.withConsole { sessions, owner in
            for _ in 0..<4 {
                #expect(Self.isRefused(try await sessions.logIn(name: "alice", password: "wrong password!", client: "10.0.0.7")))
            }
            // Four failures then a success: the count starts again.
            #expect(try await Self.signIn(sessions, "alice") != nil)
            for _ in 0..<5 {
                #expect(Self.isRefused(try await sessions.logIn(name: "alice", password: "wrong password!", client: "10.0.0.8")))
            }
            let wait = try #require(Self.retryAfter(try await sessions.logIn(name: "alice", password: Self.password, client: "10.0.0.9")))
            #expect(wait > .seconds(14 * 60) && wait <= .seconds(15 * 60))
            // Refused attempts are not counted: five rows of failure, no more.
            #expect(try await owner.query("SELECT count(*) FROM benefit.console_login_attempt WHERE name = 'alice' AND NOT succeeded").single(Int.self) == 9)
            // Other names are not held back by alice's failures.
            #expect(try await Self.signIn(sessions, "victor", from: "10.0.0.8") != nil)
            // Fifteen minutes later, the window has passed.
            try await owner.query("UPDATE benefit.console_login_attempt SET at = at - interval '15 minutes'")
            #expect(try await Self.signIn(sessions, "alice", from: "10.0.0.9") != nil)
        }
    }

    @Test("a client address is refused after its limit of failures, whichever names it tries")
    func rateLimitPerClient() async throws {
        try await Self.withConsole(failuresPerClient: 3) { sessions, _ in
            for name in ["alice", "victor", "mallory"] {
                #expect(Self.isRefused(try await sessions.logIn(name: name, password: "wrong password!", client: "203.0.113.5")))
            }
            #expect(Self.retryAfter(try await sessions.logIn(name: "alice", password: Self.password, client: "203.0.113.5")) != nil)
            #expect(Self.retryAfter(try await sessions.logIn(name: "nobody", password: Self.password, client: "203.0.113.5")) != nil)
            // Another address is not held back.
            let elsewhere = try await Self.signIn(sessions, "alice", from: "10.0.0.7")
            #expect(elsewhere != nil)
        }
    }

    @Test("CSRF tokens compare equal only when identical")
    func csrfCompare() throws {
        let user = ConsoleUser(id: 1, name: "alice", role: .viewer, disabledAt: nil, createdAt: Date(), lastLoginAt: nil)
        let token = SessionToken.random()
        let session = Session(user: user, token: SessionToken.random(), csrfToken: token, expiresAt: Date())
        #expect(session.csrfMatches(token))
        #expect(!session.csrfMatches(String(token.dropLast())))
        #expect(!session.csrfMatches(String(token.dropLast()) + (token.last == "A" ? "B" : "A")))
        #expect(!session.csrfMatches(""))
        #expect(!session.csrfMatches(session.token))
        #expect(!"\(session)".contains(token) && !"\(session)".contains(session.token))
    }

    @Test("the cookie is HttpOnly and SameSite=Strict, Secure with the __Host- prefix over TLS, and cleared with Max-Age=0")
    func cookieHeaders() throws {
        let user = ConsoleUser(id: 1, name: "alice", role: .viewer, disabledAt: nil, createdAt: Date(), lastLoginAt: nil)
        let session = Session(user: user, token: "tok", csrfToken: "csrf", expiresAt: Date())
        let plain = SessionCookie(secure: false)
        #expect(plain.setting(session, maxAge: .seconds(604_800)) == "benefit_session=tok; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict")
        #expect(plain.clearing() == "benefit_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
        let tls = SessionCookie(secure: true)
        #expect(tls.setting(session, maxAge: .seconds(60)) == "__Host-benefit_session=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure")
        #expect(tls.token(inCookieHeader: "a=1; __Host-benefit_session=tok; b=2") == "tok")
        #expect(tls.token(inCookieHeader: "benefit_session=tok") == nil)
        #expect(plain.token(inCookieHeader: "benefit_session=xyz") == "xyz")
    }
}
