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
    let assets: ConsoleAssets
    let configuration: Configuration
    let logger: Logger
    /// Fired when the console begins to shut down: live streams end, so requests under way can finish.
    let stopping = Latch()

    public init(pool: PostgresPool, configuration: Configuration = Configuration(), logger: Logger) throws {
        self.pool = pool
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
        router.add(middleware: LanguageChoice())
        router.get("/healthz") { _, _ in Response.text("ok\n") }
        router.get("/static/:file") { _, context in
            let name = try context.parameters.require("file")
            guard let file = assets.files[name] else { throw HTTPError(.notFound) }
            return Response(
                status: .ok, headers: [.contentType: file.contentType, .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: file.text)))
        }
        LanguageChoice.register(on: router)
        OverviewPage.register(on: router, console: self)
        CampaignsPage.register(on: router, console: self)
        RunsPage.register(on: router, console: self)
        JobsPage.register(on: router, console: self)
        AuditPage.register(on: router, console: self)
        return router
    }
}

/// A request's context in the console: the language its page is drawn in.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``LanguageChoice`` before any page runs.
    var language: Language = .zh

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
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
            let back = request.uri.queryParameters.get("back").flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/"
            var response = Response.redirect(to: back, type: .found)
            response.setCookie(Cookie(name: cookie, value: language.rawValue, maxAge: 31_536_000, path: "/", sameSite: .strict))
            return response
        }
    }
}
