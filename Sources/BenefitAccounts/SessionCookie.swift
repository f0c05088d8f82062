import Foundation

/// The session cookie's `Set-Cookie` header values, and its token read back from a `Cookie` header.
///
/// Always `Path=/; HttpOnly; SameSite=Strict`: scripts cannot read it and no other
/// site's page can send it. Served over TLS it is `Secure` too, and named with the
/// `__Host-` prefix, which browsers accept only from a secure origin, for path `/`
/// and no domain, so a neighbouring host cannot plant one.
public struct SessionCookie: Sendable, Equatable {
    /// The cookie's name: `__Host-benefit_session` when secure, else `benefit_session`.
    public let name: String
    /// Whether the console is served over TLS.
    public let secure: Bool

    public init(secure: Bool) {
        self.secure = secure
        self.name = secure ? "__Host-benefit_session" : "benefit_session"
    }

    /// The `Set-Cookie` value that gives the browser `session`'s token, kept for
    /// `maxAge` (the console's absolute timeout: the database ends it sooner when idle).
    public func setting(_ session: Session, maxAge: Duration) -> String {
        attributes(value: session.token, maxAge: maxAge.components.seconds)
    }

    /// The `Set-Cookie` value that makes the browser forget the cookie (on sign-out).
    public func clearing() -> String {
        attributes(value: "", maxAge: 0)
    }

    /// The token in a request's `Cookie` header (`a=1; benefit_session=…`), or nil.
    public func token(inCookieHeader header: String) -> String? {
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private func attributes(value: String, maxAge: Int64) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(max(maxAge, 0)); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
