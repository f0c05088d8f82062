/// Prometheus text exposition (format 0.0.4), read strictly, for tests of
/// `/metrics`: anything a Prometheus server would refuse, or that breaks the
/// format's rules, is an error naming its line.
///
/// Checked: every line is a `# HELP`, a `# TYPE`, another comment, or a sample
/// `name{label="value",...} value [timestamp]`; names and label names are
/// well formed and label values properly escaped; a family's TYPE comes once,
/// before its samples, and its samples are together; no sample repeats its name
/// and labels; counters (and histograms' counts) are not negative; a histogram's
/// buckets carry `le`, rise with it, and end at `+Inf` equal to `_count`; the
/// text ends with a newline.
public struct PrometheusText: Sendable {
    public struct Sample: Sendable, Equatable {
        public let name: String
        public let labels: [String: String]
        public let value: Double
    }

    /// Each family's type, by name (`counter`, `gauge`, `histogram`, `summary`, `untyped`).
    public private(set) var types: [String: String] = [:]
    public private(set) var samples: [Sample] = []

    public init(parsing text: String) throws(PrometheusTextError) {
        guard text.isEmpty || text.hasSuffix("\n") else { throw PrometheusTextError(line: 0, "the text does not end with a newline") }
        var familiesDone = Set<String>()
        var currentFamily: String?
        var seen = Set<String>()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[0] == "#", parts[1] == "TYPE" || parts[1] == "HELP" else { continue }
                let name = String(parts[2])
                guard Self.isMetricName(name) else { throw PrometheusTextError(line: number, "bad metric name \"\(name)\"") }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw PrometheusTextError(line: number, "bad TYPE line")
                    }
                    guard types[name] == nil else { throw PrometheusTextError(line: number, "a second TYPE for \(name)") }
                    guard !familiesDone.contains(name), currentFamily != name else {
                        throw PrometheusTextError(line: number, "TYPE for \(name) after its samples")
                    }
                    types[name] = String(parts[3])
                }
                continue
            }
            let sample = try Self.sample(line, number)
            let family = family(of: sample.name)
            guard let type = types[family] else { throw PrometheusTextError(line: number, "sample \(sample.name) has no TYPE before it") }
            if currentFamily != family {
                if let currentFamily { familiesDone.insert(currentFamily) }
                guard !familiesDone.contains(family) else {
                    throw PrometheusTextError(line: number, "the samples of \(family) are not together")
                }
                currentFamily = family
            }
            let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seen.insert(key).inserted else { throw PrometheusTextError(line: number, "sample \(key) repeated") }
            if type == "counter" || sample.name.hasSuffix("_count") || sample.name.hasSuffix("_bucket") {
                guard sample.value >= 0 else { throw PrometheusTextError(line: number, "\(sample.name) is negative") }
            }
            if type == "histogram", sample.name.hasSuffix("_bucket"), sample.labels["le"] == nil {
                throw PrometheusTextError(line: number, "a bucket of \(family) without le")
            }
            samples.append(sample)
        }
        try checkHistograms()
    }

    /// The value of the sample with exactly these labels.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum of the samples named `name` whose labels include `matching`.
    public func sum(_ name: String, matching: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && matching.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }

    /// The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` belong to its base name.
    private func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let type = types[base], type == "histogram" || type == "summary" { return base }
        }
        return name
    }

    private func checkHistograms() throws(PrometheusTextError) {
        for (name, type) in types where type == "histogram" {
            let buckets = samples.filter { $0.name == name + "_bucket" }
            let series = Dictionary(grouping: buckets) { $0.labels.filter { $0.key != "le" } }
            for (labels, buckets) in series {
                let ordered = buckets.map { (le: Double($0.labels["le"]!.replacingOccurrences(of: "+Inf", with: "inf")) ?? .nan, count: $0.value) }
                guard ordered.allSatisfy({ !$0.le.isNaN }) else { throw PrometheusTextError(line: 0, "\(name): a bucket's le is not a number") }
                let sorted = ordered.sorted { $0.le < $1.le }
                guard sorted.last?.le == .infinity else { throw PrometheusTextError(line: 0, "\(name)\(labels): no +Inf bucket") }
                guard zip(sorted, sorted.dropFirst()).allSatisfy({ $0.count <= $1.count }) else {
                    throw PrometheusTextError(line: 0, "\(name)\(labels): buckets do not rise")
                }
                guard value(name + "_count", labels) == sorted.last?.count, value(name + "_sum", labels) != nil else {
                    throw PrometheusTextError(line: 0, "\(name)\(labels): _count differs from the +Inf bucket, or _sum is missing")
                }
            }
        }
    }

    private static func isMetricName(_ name: some StringProtocol) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    private static func isLabelName(_ name: some StringProtocol) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// `name{a="x",b="y"} value [timestamp]`.
    private static func sample(_ line: Substring, _ number: Int) throws(PrometheusTextError) -> Sample {
        var rest = line[...]
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isMetricName(name) else { throw PrometheusTextError(line: number, "bad metric name \"\(name)\"") }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let equals = rest.firstIndex(of: "=") else { throw PrometheusTextError(line: number, "a label without =") }
                let label = String(rest[..<equals])
                guard isLabelName(label) else { throw PrometheusTextError(line: number, "bad label name \"\(label)\"") }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { throw PrometheusTextError(line: number, "label \(label)'s value is not quoted") }
                rest = rest.dropFirst()
                var value = ""
                while true {
                    guard let character = rest.first else { throw PrometheusTextError(line: number, "unterminated label value") }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw PrometheusTextError(line: number, "bad escape in label \(label)")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                guard labels.updateValue(value, forKey: label) == nil else { throw PrometheusTextError(line: number, "label \(label) repeated") }
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" {
                    throw PrometheusTextError(line: number, "expected , or } after label \(label)")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw PrometheusTextError(line: number, "no space before the value") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = parseValue(fields[0]) else {
            throw PrometheusTextError(line: number, "bad value \"\(rest.dropFirst())\"")
        }
        if fields.count == 2, Int64(fields[1]) == nil { throw PrometheusTextError(line: number, "bad timestamp") }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
            return Double(text)
        }
    }
}

/// Why a text is not valid Prometheus exposition; `line` 0 for a check over the whole text.
public struct PrometheusTextError: Error, CustomStringConvertible {
    public let line: Int
    public let message: String
    init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { line == 0 ? message : "line \(line): \(message)" }
}
