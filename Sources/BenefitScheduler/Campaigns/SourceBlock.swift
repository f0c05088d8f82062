/// One mapping of a campaign file, as ``CampaignValueReader`` hands it out once it knows the value is a mapping.
public struct SourceBlock: Sendable {
    /// The mapping itself: its path, and its line, where a missing key is reported.
    public let value: SourceValue
    /// The keys and values in the order written.
    public let entries: [(key: String, value: SourceValue)]

    init(value: SourceValue, entries: [(key: String, value: SourceValue)]) {
        self.value = value
        self.entries = entries
    }

    /// The block's path, e.g. `schedule`; empty for the top of the file.
    public var path: String { value.path }

    /// The line of the block's key (or list item), where a missing key is reported.
    public var line: Int { value.line }

    /// The value of a key, if written.
    public subscript(key: String) -> SourceValue? {
        entries.first { $0.key == key }?.value
    }

    /// The path of a key of this block, e.g. `schedule.timezone`.
    public func path(of key: String) -> String {
        SourceValue.path(path, key: key)
    }
}
