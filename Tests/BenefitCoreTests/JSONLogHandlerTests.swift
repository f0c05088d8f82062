import BenefitCore
import Foundation
import Logging
import Synchronization
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// A logger whose lines are kept, and the lines.
    private static func logger(_ label: String = "benefit.test") -> (Logger, @Sendable () -> [String]) {
        let lines = Mutex<[String]>([])
        let handler = JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        return (Logger(label: label, factory: { _ in handler }), { lines.withLock { $0 } })
    }

    private static func object(_ line: String) throws -> [String: Any] {
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "one object per line")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("one object per line: RFC 3339 UTC time, level, logger, message and every metadata key at the top level")
    func fields() throws {
        var (logger, lines) = Self.logger()
        logger[metadataKey: "worker"] = "host-1"
        logger.info("job succeeded", metadata: ["job_id": "812", "nested": ["a": "1", "b": ["x", "y"]]])
        let object = try Self.object(try #require(lines().first))
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "benefit.test")
        #expect(object["message"] as? String == "job succeeded")
        #expect(object["worker"] as? String == "host-1")
        #expect(object["job_id"] as? String == "812")
        #expect((object["nested"] as? [String: Any])?["b"] as? [String] == ["x", "y"])
        let time = try #require(object["time"] as? String)
        #expect(time.hasSuffix("Z"))
        let parsed = try Date(time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }

    @Test("quotes, backslashes, newlines and control characters are escaped; a metadata key named like a field keeps both")
    func escaping() throws {
        let (logger, lines) = Self.logger()
        logger.notice("line one\nline \"two\" \\ \u{1B}[31m 中文", metadata: ["message": "from metadata", "level": "x"])
        let line = try #require(lines().first)
        let object = try Self.object(line)
        #expect(object["message"] as? String == "line one\nline \"two\" \\ \u{1B}[31m 中文")
        #expect(object["_message"] as? String == "from metadata")
        #expect(object["level"] as? String == "notice")
        #expect(object["_level"] as? String == "x")
        #expect(!line.contains("\u{1B}"), "no raw escape reaches the log")
    }

    @Test("entries below the level are not written")
    func level() {
        var (logger, lines) = Self.logger()
        logger.logLevel = .warning
        logger.info("quiet")
        logger.warning("loud")
        #expect(lines().count == 1)
    }
}
