import BenefitAccounts
import Foundation
import Hummingbird

/// `/login` and `/logout`. The login form has no session to carry a CSRF token
/// from: it carries one that must match a cookie set with the form (both
/// random, SameSite=Strict), so another site cannot sign a browser in.
enum LoginPage {
    static let formCookie = "benefit_login"

    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.get("/login") { request, context in
            form(console, context, back: request.uri.queryParameters.get("back"), problem: nil, status: .ok)
        }
        router.post("/login") { request, context in
            let form = try await SubmittedForm.read(request)
            let cookieToken = request.cookies[formCookie]?.value ?? ""
            guard let token = form["token"], !cookieToken.isEmpty, SessionToken.constantTimeEquals(token, cookieToken) else {
                return Self.form(console, context, back: form["back"], problem: "problem_form", status: .forbidden)
            }
            switch try await console.sessions.logIn(name: form["name"] ?? "", password: form["password"] ?? "", client: context.client) {
            case .signedIn(let session):
                var response = Response.redirect(to: ConsolePaths.local(form["back"]))
                response.headers[.setCookie] = SessionCookie(secure: context.overTLS).setting(session, maxAge: console.sessions.configuration.absoluteTimeout)
                return response
            case .refused:
                return Self.form(console, context, back: form["back"], problem: "problem_refused", status: .unauthorized)
            case .rateLimited(let retryAfter):
                var response = Self.form(console, context, back: form["back"], problem: "problem_limited", status: .tooManyRequests)
                response.headers[.retryAfter] = String(retryAfter.components.seconds)
                return response
            case .busy:
                var response = Self.form(console, context, back: form["back"], problem: "problem_busy", status: .serviceUnavailable)
                response.headers[.retryAfter] = "1"
                return response
            }
        }
        router.post("/logout") { request, context in
            let form = try await SubmittedForm.read(request)
            try form.requireToken(of: context)
            if let session = context.session { try await console.sessions.logOut(session) }
            var response = Response.redirect(to: "/login")
            response.headers[.setCookie] = SessionCookie(secure: context.overTLS).clearing()
            return response
        }
    }

    private static func form(_ console: Console, _ context: ConsoleContext, back: String?, problem: String?, status: HTTPResponse.Status) -> Response {
        let token = SessionToken.random()
        var response = console.assets.page(
            "login", title: Strings.label("signIn", context.language), context: context, path: "/login",
            model: ["token": token, "back": ConsolePaths.local(back), "problem": problem.map { Strings.label($0, context.language) } as Any])
        response.status = status
        response.setCookie(Cookie(name: formCookie, value: token, path: "/login", secure: context.overTLS, httpOnly: true, sameSite: .strict))
        return response
    }

}
