import BenefitAccounts
import BenefitCore
import HTTPTypes
import Hummingbird
import Logging
import PostgresClient

/// What every page of the console shares: the database, the assets, the settings.
public struct Console: Sendable {
    public struct Configuration: Sendable {
        /// How often a live page's stream sends. Default 2 s.
        public var eventInterval: Duration = .seconds(2)
        public init() {}
    }

    let pool: PostgresPool
    let sessions: ConsoleSessions
    let assets: ConsoleAssets
    let configuration: Configuration
    let logger: Logger
    /// Fired when the console begins to shut down: live streams end, so requests under way can finish.
    let stopping = Latch()

    public init(
        pool: PostgresPool, configuration: Configuration = Configuration(), sessions: ConsoleSessions.Configuration = .init(), logger: Logger
    ) throws {
        self.pool = pool
        self.sessions = ConsoleSessions(pool: pool, configuration: sessions)
        self.assets = try ConsoleAssets.load()
        self.configuration = configuration
        self.logger = logger
    }

    /// Ends the live streams (the server does it when its shutdown begins; tests too).
    public func beginShutdown() {
        stopping.fire()
    }

    /// Every route of the console.
    public func router() -> Router<ConsoleContext> {
        let router = Router(context: ConsoleContext.self)
        router.add(middleware: ConsoleHeaders())
        router.add(middleware: ProxyHeaders())
        router.add(middleware: LanguageChoice())
        router.add(middleware: SignIn(sessions: sessions))
        router.add(middleware: NotFoundPage(assets: assets))
        router.get("/healthz") { _, _ in Response.text("ok\n") }
        router.get("/static/:file") { _, context in
            let name = try context.parameters.require("file")
            guard let file = assets.files[name] else { throw HTTPError(.notFound) }
            return Response(
                status: .ok, headers: [.contentType: file.contentType, .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: file.text)))
        }
        LanguageChoice.register(on: router)
        LoginPage.register(on: router, console: self)
        Actions.register(on: router, console: self)
        MembersPage.register(on: router, console: self)
        OverviewPage.register(on: router, console: self)
        CampaignsPage.register(on: router, console: self)
        RunsPage.register(on: router, console: self)
        JobsPage.register(on: router, console: self)
        AuditPage.register(on: router, console: self)
        return router
    }
}

/// An address with no page answers the console's own 404 page, in the reader's
/// language with its navigation, rather than the router's bare one. Streams and
/// static files keep the bare answer: no person reads it.
struct NotFoundPage: RouterMiddleware {
    let assets: ConsoleAssets

    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.method == .get {
            let path = request.uri.path
            guard !path.hasPrefix("/static/"), !path.hasPrefix("/events/") else { throw error }
            return assets.notFound(Strings.label("noSuchPage", context.language) + path, context: context, path: path)
        }
    }
}

/// A request's context in the console: who asks, from where, in which language.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``LanguageChoice`` before any page runs.
    var language: Language = .zh
    /// Set by ``SignIn`` on every page that needs one.
    var session: Session?
    /// The peer's address (a reverse proxy's, when there is one).
    let peer: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Set by ``ProxyHeaders``: the client's address, and whether it reached us over TLS.
    var client: String { forwardedClient ?? peer }
    var overTLS = false
    var forwardedClient: String?
}

/// A reverse proxy on this host (the peer is loopback) says who the client is and
/// whether it came over TLS (`X-Forwarded-For`, last address; `X-Forwarded-Proto`):
/// login limits count clients, not the proxy, and the session cookie is Secure.
/// From any other peer the headers are ignored (they could be forged).
struct ProxyHeaders: RouterMiddleware {
    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        var context = context
        if context.peer == "127.0.0.1" || context.peer == "::1" {
            let forwarded = HTTPField.Name("X-Forwarded-For")!
            let proto = HTTPField.Name("X-Forwarded-Proto")!
            context.forwardedClient = request.headers[forwarded]?.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
            context.overTLS = request.headers[proto] == "https"
        }
        return try await next(request, context)
    }
}

extension Response {
    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Headers on every answer: nothing from elsewhere may run or be framed, nothing sniffed.
struct ConsoleHeaders: RouterMiddleware {
    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return response
    }
}

/// Chooses each request's language (``Language/preferred(cookie:acceptLanguage:)``);
/// `/language/zh|en?back=/path` sets the switch's cookie and goes back.
struct LanguageChoice: RouterMiddleware {
    static let cookie = "lang"

    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        var context = context
        context.language = Language.preferred(cookie: request.cookies[Self.cookie]?.value, acceptLanguage: request.headers[.acceptLanguage])
        return try await next(request, context)
    }

    static func register(on router: Router<ConsoleContext>) {
        router.get("/language/:language") { request, context in
            guard let language = Language(rawValue: try context.parameters.require("language")) else { throw HTTPError(.notFound) }
            // Only a path of this site: never "//elsewhere" or a full URL.
            var response = Response.redirect(to: ConsolePaths.local(request.uri.queryParameters.get("back")), type: .found)
            response.setCookie(Cookie(name: cookie, value: language.rawValue, maxAge: 31_536_000, path: "/", sameSite: .strict))
            return response
        }
    }
}
