import BenefitAccounts
import BenefitCore
import Foundation
import HTTPTypes
import Hummingbird

/// Who is asking: every page but the open ones (`/healthz`, `/static/…`,
/// `/login`, `/language/…`) needs a console session (docs/console.md, Accounts).
///
/// - A request without a live session is sent to `/login` (a page) or refused
///   with 401 (a stream, an action).
/// - Every POST carries the session's CSRF token in its form (`csrf`) and, when
///   the browser sends one, an Origin of this console; else 403. The login form,
///   which has no session yet, carries a token that must match its own cookie.
/// - An action by a viewer is refused with 403 (``requireOperator(_:)``).
struct SignIn: RouterMiddleware {
    let sessions: ConsoleSessions

    static let openPrefixes = ["/healthz", "/static/", "/login", "/language/"]

    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if request.method == .post, !Self.originIsOurs(request) { throw HTTPError(.forbidden, message: "a form from another site") }
        if Self.openPrefixes.contains(where: { path == $0 || path.hasPrefix($0) }) { return try await next(request, context) }
        var context = context
        let cookie = SessionCookie(secure: context.overTLS)
        if let token = request.headers[.cookie].flatMap(cookie.token(inCookieHeader:)) {
            context.session = try await sessions.session(token: token)
        }
        guard context.session != nil else {
            if request.method == .get, !path.hasPrefix("/events/") {
                return Response.redirect(to: "/login?back=" + (request.uri.string.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            throw HTTPError(.unauthorized, message: "sign in first")
        }
        return try await next(request, context)
    }

    /// A POST from a page of this console: no Origin (an older browser), or one
    /// naming the host the request was sent to.
    static func originIsOurs(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}

extension ConsoleContext {
    /// The signed-in user may act (an operator), else 403; the user's name for the audit trail.
    func requireOperator() throws -> String {
        guard let session, session.user.role.canAct else {
            throw HTTPError(.forbidden, message: "only an operator may do this; a viewer reads")
        }
        return "\(session.user.name) (console)"
    }
}

/// A submitted form, read whole (forms are small: at most 64 kB).
struct SubmittedForm {
    let fields: [String: String]

    static func read(_ request: Request) async throws -> SubmittedForm {
        let body = try await request.body.collect(upTo: 64 * 1_024)
        let fields = try URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body))
        return SubmittedForm(fields: fields)
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// The form carries the session's CSRF token, else 403.
    func requireToken(of context: ConsoleContext) throws {
        guard let session = context.session, let token = fields["csrf"], session.csrfMatches(token) else {
            throw HTTPError(.forbidden, message: "the form's token does not match this session: reload the page")
        }
    }
}
