import BenefitCore
import Foundation
import PostgresClient

/// Plain-text tables for list commands: a header row, columns padded to fit.
public enum TextTable {
    /// The table as lines; cells hold text from files and the database, so their control characters are escaped (``PrintableText``).
    /// Columns are padded by the terminal columns their text takes (``DisplayWidth``): a Chinese character takes two.
    public static func render(header: [String], rows: [[String]]) -> String {
        let all = ([header] + rows).map { $0.map(PrintableText.escaping) }
        let widths = header.indices.map { column in
            all.map { $0.indices.contains(column) ? DisplayWidth.of($0[column]) : 0 }.max() ?? 0
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : DisplayWidth.padded(cell, to: widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `2026-11-21 20:00:49Z`: to the second, in UTC, for tables.
    public static func instant(_ date: Date?) -> String {
        guard let date else { return "" }
        return String(TimestampText.format(date).prefix(19)) + "Z"
    }

    /// `50,000`: a count with thousands separators.
    public static func grouped(_ number: Int) -> String {
        NumberText.grouped(number)
    }

    /// The first line of a text, cut to `limit` characters, for one table cell; control characters escaped.
    public static func cell(_ text: String?, limit: Int = 80) -> String {
        let line = PrintableText.escaping((text ?? "").split(whereSeparator: \.isNewline).first.map(String.init) ?? "")
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }

    /// Compact JSON for `--json` output.
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
