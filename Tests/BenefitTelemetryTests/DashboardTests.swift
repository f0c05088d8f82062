import Foundation
import Testing

@Suite("The Grafana dashboard and the metrics it shows")
struct DashboardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `expr` in the dashboard's panels.
    static func expressions(in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            let own = (object["expr"] as? String).map { [$0] } ?? []
            return own + object.values.flatMap(expressions(in:))
        }
        if let array = value as? [Any] { return array.flatMap(expressions(in:)) }
        return []
    }

    @Test("ops/grafana/benefit-dashboard.json is valid JSON, and every metric it queries is documented in docs/operations.md")
    func dashboardQueriesDocumentedMetrics() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("ops/grafana/benefit-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(dashboard["title"] as? String == "Benefit Scheduler")
        let expressions = Self.expressions(in: dashboard["panels"] as Any)
        #expect(expressions.count >= 15)
        let operations = try String(contentsOf: Self.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let pattern = try Regex("benefit_[a-z_]+")
        var names = Set<String>()
        for expression in expressions {
            for match in expression.matches(of: pattern) {
                var name = String(expression[match.range])
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
                names.insert(name)
            }
        }
        #expect(names.count >= 12)
        for name in names.sorted() {
            #expect(operations.contains("| `\(name)` |"), "\(name) is queried by the dashboard but not in operations.md's table of metrics")
        }
    }
}
