import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The console's templates, style sheet and script, compiled into the binary
/// (`Sources/BenefitConsole/Assets`, embedded by Plugins/EmbedFiles), so the
/// console serves the same files wherever it is installed and fetches nothing.
struct ConsoleAssets: Sendable {
    let library: MustacheLibrary
    /// Static files by name (`console.css`, `console.js`), with their content type.
    let files: [String: (contentType: String, text: String)]

    static func load() throws -> ConsoleAssets {
        var library = MustacheLibrary()
        var files: [String: (contentType: String, text: String)] = [:]
        for (name, text) in embeddedConsoleAssets {
            let url = URL(fileURLWithPath: name)
            switch url.pathExtension {
            case "mustache": try library.register(text, named: url.deletingPathExtension().lastPathComponent)
            case "css": files[name] = ("text/css; charset=utf-8", text)
            case "js": files[name] = ("text/javascript; charset=utf-8", text)
            default: continue
            }
        }
        return ConsoleAssets(library: library, files: files)
    }

    /// A page: `template` rendered inside the layout, with the labels of `language`.
    func page(
        _ template: String, title: String, context request: ConsoleContext, path: String, model: [String: Any], status: HTTPResponse.Status = .ok
    ) -> Response {
        let language = request.language
        var context = model
        if let session = request.session {
            context["user"] = ["name": session.user.name, "role": Strings.label("role_" + session.user.role.rawValue, language)]
            context["csrf"] = session.csrfToken
            context["canAct"] = session.user.role.canAct
        }
        context["t"] = Strings.labels(language)
        context["lang"] = language.htmlTag
        context["title"] = title
        context["otherLanguage"] = language == .zh ? "en" : "zh"
        context["path"] = path
        context["nav"] = Self.navigation.map { item in
            ["href": item.href, "label": Strings.label(item.key, language), "current": path == item.href] as [String: Any]
        }
        let html = library.render(context, withTemplate: template) ?? "template \(template) is missing"
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// The translated 404 page: `message` says what was not found (a label, with the name or id the address gave).
    func notFound(_ message: String, context: ConsoleContext, path: String) -> Response {
        page("notfound", title: Strings.label("notFound", context.language), context: context, path: path, model: ["message": message], status: .notFound)
    }

    private static let navigation: [(href: String, key: String)] = [
        ("/", "overview"), ("/campaigns", "campaigns"), ("/runs", "runs"), ("/jobs", "jobs"), ("/members", "memberFiles"), ("/audit", "audit"),
    ]
}
