/// Small text helpers shared by the parsers and the `description`s of this folder.
///
/// Kept in a namespace rather than as extensions on `Character` or `Int`, so
/// that moving these files into a larger module cannot clash with someone
/// else's extension of the same name.
enum ScheduleText {
    /// Whether the text is non-empty and made of `0`–`9` only.
    ///
    /// `Character.isNumber` would also admit digits such as "٣" or "２", which
    /// `Int(_:)` then rejects; authors' schedules are plain ASCII.
    static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
    }

    /// 0–99 with a leading zero, as dates and times are written in this domain.
    static func twoDigits(_ value: Int) -> String {
        (0..<10).contains(value) ? "0\(value)" : "\(value)"
    }
}
