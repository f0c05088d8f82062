import Foundation

/// Durations as operators write them: `500ms`, `10s`, `10m`, `2h`, `1d`, or
/// combined (`1m30s`).
public enum DurationText {
    /// Parses the text, or nil when it is not a duration.
    public static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, milliseconds: Int)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m": the longer suffix wins.
            guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { rest.hasPrefix($0.suffix) }) else {
                return nil
            }
            rest = rest.dropFirst(unit.suffix.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            total += product
        }
        return .milliseconds(total)
    }

    /// The shortest text that parses back to the same whole milliseconds.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        for (suffix, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where milliseconds % size == 0 && milliseconds > 0 {
            return "\(milliseconds / size)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
