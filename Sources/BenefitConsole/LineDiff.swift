/// A line diff of two texts, as the campaign page shows what a revision changed:
/// every line of both, in order, marked kept, added or removed.
///
/// The longest common subsequence of lines, by the textbook table. Campaign
/// files are tens of lines, so the table is small; above ``maximumCells`` (two
/// texts of a few thousand lines each) the diff gives up on matching and shows
/// every old line removed and every new one added, which is still true.
struct LineDiff: Equatable {
    enum Mark: String, Equatable {
        case kept, added, removed
    }

    struct Line: Equatable {
        let mark: Mark
        let text: String
    }

    let lines: [Line]

    /// The most cells the table may have: 4 million `Int`s, 32 MB at worst.
    static let maximumCells = 4_000_000

    init(old: String, new: String) {
        let before = Self.split(old)
        let after = Self.split(new)
        guard before.count * after.count <= Self.maximumCells else {
            lines = before.map { Line(mark: .removed, text: $0) } + after.map { Line(mark: .added, text: $0) }
            return
        }
        // common[i][j]: the length of the longest common subsequence of before[i...] and after[j...].
        let width = after.count + 1
        var common = [Int](repeating: 0, count: (before.count + 1) * width)
        for i in stride(from: before.count - 1, through: 0, by: -1) {
            for j in stride(from: after.count - 1, through: 0, by: -1) {
                common[i * width + j] = before[i] == after[j]
                    ? common[(i + 1) * width + j + 1] + 1
                    : max(common[(i + 1) * width + j], common[i * width + j + 1])
            }
        }
        var result: [Line] = []
        var (i, j) = (0, 0)
        while i < before.count || j < after.count {
            if i < before.count, j < after.count, before[i] == after[j] {
                result.append(Line(mark: .kept, text: before[i]))
                (i, j) = (i + 1, j + 1)
            } else if i < before.count, j == after.count || common[(i + 1) * width + j] >= common[i * width + j + 1] {
                // Removed lines before the lines that replace them, as diffs are read.
                result.append(Line(mark: .removed, text: before[i]))
                i += 1
            } else {
                result.append(Line(mark: .added, text: after[j]))
                j += 1
            }
        }
        lines = result
    }

    /// Whether the texts differ at all.
    var hasChanges: Bool { lines.contains { $0.mark != .kept } }

    /// The lines of a text; a final newline does not make an empty last line.
    private static func split(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
