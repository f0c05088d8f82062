import Yams

/// Composes a campaign file's YAML even when a mapping repeats a key, so the repeat can be reported at its own line.
///
/// Yams refuses a mapping that repeats a key as a whole: it yields no tree, and
/// its error points at the key's *first* occurrence, while the line an author
/// must change is the second (usually the one just added). So each first
/// occurrence Yams names is renamed in a copy of the text, by putting a
/// private-use character (one of ``markers``, a different one for each key, so
/// that renamed keys do not repeat each other) at its start, and the copy is
/// composed again, until it composes. The tree reader then gives those keys back their
/// names (``originalKey(_:at:)``) and reports each repeat at its own line, as it
/// already does for keys Yams finds different but JSON would not (`1:` and `"1":`).
///
/// A key that cannot be renamed this way (one with an anchor or a tag, a key
/// that is itself a list or mapping) leaves Yams' error as it is.
struct RepeatedKeys {
    /// How many first occurrences may be renamed before Yams' error is let through.
    static let maximumRenamed = 20
    /// Put at the start of renamed keys, the n-th key's the n-th: private-use characters, which no campaign key holds.
    static let markers: Range<UInt32> = 0xE000..<(0xE000 + UInt32(maximumRenamed))

    /// A place in the composed text, as Yams marks it: 1-based line and column, columns counted in Unicode scalars.
    struct Position: Hashable {
        let line: Int
        let column: Int
    }

    /// Where the renamed keys start in the composed text.
    private(set) var renamed: Set<Position> = []

    /// The documents of the text as Yams composes them, up to and including the first that `isLast` accepts.
    ///
    /// - Throws: What Yams throws for any other mistake, or for a repeat it cannot rename around.
    mutating func compose(_ text: String, isLast: (_ documents: [Node]) -> Bool) throws -> [Node] {
        let original = Array(text.unicodeScalars)
        var keyStarts: [Int] = []
        while true {
            let composed = ComposedText(original, markingKeysAt: keyStarts)
            do {
                var sequence = try Yams.compose_all(yaml: String(String.UnicodeScalarView(composed.scalars)))
                var documents: [Node] = []
                while !isLast(documents), let document = sequence.next() {
                    documents.append(document)
                }
                if let error = sequence.error { throw error }
                renamed = Set(composed.markedKeys.map(composed.position(of:)))
                return documents
            } catch let error as YamlError {
                guard case .duplicatedKeysInMapping(_, let context) = error, keyStarts.count < Self.maximumRenamed,
                      let offset = composed.offset(of: context.mark), let start = composed.originals[offset],
                      Self.canRename(original[start]), !keyStarts.contains(start)
                else { throw error }
                keyStarts.append(start)
            }
        }
    }

    /// The key as written: a renamed key without its marker.
    func originalKey(_ key: String, at mark: Mark?) -> String {
        guard let mark, renamed.contains(Position(line: mark.line, column: mark.column)),
              let first = key.unicodeScalars.first, Self.markers.contains(first.value)
        else { return key }
        return String(String.UnicodeScalarView(key.unicodeScalars.dropFirst()))
    }

    /// Whether a key starting with `first` is a plain or quoted scalar, which a marker can go into.
    private static func canRename(_ first: Unicode.Scalar) -> Bool {
        !"&!*?[{|>-".unicodeScalars.contains(first)
    }

    /// A copy of the text with a marker at the start of some keys, and the way between its offsets and the original's.
    private struct ComposedText {
        private(set) var scalars: [Unicode.Scalar] = []
        /// For each scalar of the copy, its offset in the original; nil for a marker.
        private(set) var originals: [Int?] = []
        /// Where the marked keys start in the copy (at the marker, or at the quote before it).
        private(set) var markedKeys: [Int] = []
        /// The offsets at which lines start, counting line breaks as libyaml does (CR LF, CR, LF, NEL, LS, PS).
        private var lineStarts: [Int] = []

        init(_ original: [Unicode.Scalar], markingKeysAt keyStarts: [Int]) {
            let markers = Dictionary(uniqueKeysWithValues: keyStarts.enumerated().map { ($0.element, RepeatedKeys.markers.lowerBound + UInt32($0.offset)) })
            scalars.reserveCapacity(original.count + markers.count)
            originals.reserveCapacity(original.count + markers.count)
            for (offset, scalar) in original.enumerated() {
                let marker = markers[offset].flatMap(Unicode.Scalar.init)
                if marker != nil { markedKeys.append(scalars.count) }
                // A quoted key gets its marker inside the quotes, so it stays one quoted scalar.
                let quoted = scalar == "\"" || scalar == "'"
                if let marker, !quoted { append(marker) }
                scalars.append(scalar)
                originals.append(offset)
                if let marker, quoted { append(marker) }
            }
            lineStarts = Self.lineStarts(of: scalars)
        }

        private mutating func append(_ marker: Unicode.Scalar) {
            scalars.append(marker)
            originals.append(nil)
        }

        private static func lineStarts(of scalars: [Unicode.Scalar]) -> [Int] {
            // libyaml does not count a byte-order mark in its columns.
            var starts = [scalars.first == "\u{FEFF}" ? 1 : 0]
            var index = 0
            while index < scalars.count {
                switch scalars[index] {
                case "\r" where index + 1 < scalars.count && scalars[index + 1] == "\n":
                    index += 1
                    starts.append(index + 1)
                case "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}":
                    starts.append(index + 1)
                default:
                    break
                }
                index += 1
            }
            return starts
        }

        /// The offset Yams' mark points at, if it is inside the text.
        func offset(of mark: Mark) -> Int? {
            guard (1...lineStarts.count).contains(mark.line) else { return nil }
            let offset = lineStarts[mark.line - 1] + mark.column - 1
            return (0..<scalars.count).contains(offset) ? offset : nil
        }

        /// Yams' position of the scalar at `offset`.
        func position(of offset: Int) -> Position {
            let line = (lineStarts.lastIndex { $0 <= offset }) ?? 0
            return Position(line: line + 1, column: offset - lineStarts[line] + 1)
        }
    }
}
