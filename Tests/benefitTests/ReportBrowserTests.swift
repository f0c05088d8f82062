import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The HTML evaluation report in a real browser: headless Chromium from Debian,
/// driven by Tests/Browser/report_print.py (Playwright) with scripts off, on
/// screen and as printed. Screenshots and the PDF go to `.build/test-artefacts/report/`.
@Suite("Report in a browser")
struct ReportBrowserTests {
    private static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the HTML report opens from its file alone, asks for nothing else, draws its charts, and prints (screenshots on screen and in print media, and a PDF)")
    func reportOpensAndPrints() async throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["BENEFIT_BROWSER_PYTHON"],
            "BENEFIT_BROWSER_PYTHON is not set: run the tests with ops/test, which makes the browser's environment (ops/browser-env)")
        let artefacts = Self.packageRoot.appendingPathComponent(".build/test-artefacts/report")
        try FileManager.default.createDirectory(at: artefacts, withIntermediateDirectories: true)
        for name in ["report-screen.png", "report-print.png", "report.pdf"] { try? FileManager.default.removeItem(at: artefacts.appendingPathComponent(name)) }

        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await ReportFixtures.twoCycles(on: pool)
            let report = artefacts.appendingPathComponent("winter-\(UUID().uuidString).html").path
            defer { try? FileManager.default.removeItem(atPath: report) }
            _ = try await CommandFixtures.succeed(["report", "campaign", "winter", "--format", "html", "--out", report], as: configuration)
            // The text and CSV forms beside it, for a reader of the artefacts.
            for format in ["text", "csv"] {
                let output = try await CommandFixtures.succeed(["report", "campaign", "winter", "--format", format], as: configuration)
                try Data(output.utf8).write(to: artefacts.appendingPathComponent("report.\(format == "text" ? "txt" : format)"))
            }
            let flow = try await BenefitProcess.run(
                [Self.packageRoot.appendingPathComponent("Tests/Browser/report_print.py").path, "--report", report, "--out", artefacts.path],
                executable: python)
            #expect(flow.exitCode == 0, "\(flow.standardOutput)\(flow.standardError)")
        }
        for name in ["report-screen.png", "report-print.png", "report.pdf"] {
            let size = try FileManager.default.attributesOfItem(atPath: artefacts.appendingPathComponent(name).path)[.size] as? Int ?? 0
            #expect(size > 10_000, "\(name)")
        }
    }
}
