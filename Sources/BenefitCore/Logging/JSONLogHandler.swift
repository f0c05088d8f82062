import Foundation
import Logging
import Synchronization

/// How log lines are written: `--log-format`, `$BENEFIT_LOG_FORMAT`.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's line: `2026-12-05T09:00:00+0000 info benefit.worker: key=value message`.
    case text
    /// One JSON object per line, for log shippers (``JSONLogHandler``).
    case json
}

/// Writes each entry as one JSON object on one line of standard error:
///
///     {"time":"2026-12-05T09:00:00.123Z","level":"info","logger":"benefit.worker","message":"job succeeded","job_id":"812","worker":"host-1"}
///
/// `time` is RFC 3339 in UTC with milliseconds; `level`, `logger` and `message`
/// follow; then every metadata key (the handler's, the logger's, the entry's,
/// later ones winning) at the top level, so a shipper indexes `job_id`, `run_id`,
/// `campaign` or `worker` without unpacking. A metadata key named like one of the
/// four fixed fields is written with a leading underscore. Nested metadata stays
/// nested (objects and arrays). Lines from concurrent tasks never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// Writes to standard error.
    public init(label: String) {
        self.init(label: label, write: JSONLogHandler.writeToStandardError)
    }

    /// Writes each line (ending in a newline) through `write`: for tests.
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private static let fixedFields: Set<String> = ["time", "level", "logger", "message"]

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let given = event.metadata { merged.merge(given) { $1 } }
        var line = "{\"time\":" + JSONText.quoted(Self.timestamp(Date()))
        line += ",\"level\":" + JSONText.quoted(event.level.rawValue)
        line += ",\"logger\":" + JSONText.quoted(label)
        line += ",\"message\":" + JSONText.quoted(event.message.description)
        for key in merged.keys.sorted() {
            let name = Self.fixedFields.contains(key) ? "_" + key : key
            line += "," + JSONText.quoted(name) + ":" + Self.json(merged[key]!)
        }
        write(line + "}\n")
    }

    // MARK: Rendering

    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): JSONText.quoted(text)
        case .stringConvertible(let value): JSONText.quoted(value.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values): "{" + values.keys.sorted().map { JSONText.quoted($0) + ":" + json(values[$0]!) }.joined(separator: ",") + "}"
        }
    }

    // MARK: Output

    private static let outputLock = Mutex(())

    /// One write per line, under a lock: lines from concurrent tasks never interleave.
    @Sendable private static func writeToStandardError(_ line: String) {
        outputLock.withLock { _ in
            let bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
