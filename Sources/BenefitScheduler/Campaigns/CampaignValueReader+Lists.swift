import BenefitCore

extension CampaignValueReader {
    /// A list, perhaps empty; `what` says what it lists, as in `expected a list of WHAT`.
    public mutating func list(_ value: SourceValue, of what: String) -> [SourceValue]? {
        guard case .list(let items) = value.content else {
            add("expected a list of \(what), got \(value.gotDescription)", at: value)
            return nil
        }
        return items
    }

    /// A list with at least one item.
    public mutating func nonEmptyList(_ value: SourceValue, of what: String) -> [SourceValue]? {
        guard case .list(let items) = value.content, !items.isEmpty else {
            add("expected a non-empty list of \(what), got \(value.gotDescription)", at: value)
            return nil
        }
        return items
    }

    /// A list whose items `item` reads and no two of which are equal; non-empty unless `mayBeEmpty`.
    ///
    /// Every bad or repeated item is reported; the list is `nil` if there is any.
    public mutating func distinctList<Item: Hashable>(
        _ value: SourceValue, of what: String, mayBeEmpty: Bool = false, item: (inout Self, SourceValue) -> Item?
    ) -> [Item]? {
        guard let elements = mayBeEmpty ? list(value, of: what) : nonEmptyList(value, of: what) else { return nil }
        var items: [Item] = []
        var firsts: [Item: SourceValue] = [:]
        var valid = true
        for element in elements {
            guard let read = item(&self, element) else {
                valid = false
                continue
            }
            if !isFirst(read, described: element.text ?? element.gotDescription, at: element, item: element, firsts: &firsts) {
                valid = false
            }
            items.append(read)
        }
        return valid ? items : nil
    }

    /// Whether `key` is the first of its kind in a list, remembering `item` in `firsts` when it is.
    ///
    /// A repeat is reported at `value`, naming the first: `DESCRIPTION is already listed at PATH`.
    ///
    /// - Parameters:
    ///   - value: What holds the key: the item itself, or one of its fields (a site's `name`).
    ///   - item: The list item the key belongs to, named when a later one repeats it.
    @discardableResult
    public mutating func isFirst<Key: Hashable>(
        _ key: Key, described description: String, at value: SourceValue, item: SourceValue, firsts: inout [Key: SourceValue]
    ) -> Bool {
        if let first = firsts[key] {
            add("\(description) is already listed at \(first.path)", at: value)
            return false
        }
        firsts[key] = item
        return true
    }

    /// A list of distinct calendar dates, possibly empty.
    public mutating func distinctDates(_ value: SourceValue) -> [CalendarDate]? {
        distinctList(value, of: "dates of the form YYYY-MM-DD", mayBeEmpty: true) { $0.calendarDate($1) }
    }

    /// A list of words of `Choice`, each at most once, non-empty unless `mayBeEmpty`; `many` names them (`employment types`).
    public mutating func distinctChoices<Choice: CaseIterable & RawRepresentable<String> & Hashable>(
        _ value: SourceValue, as _: Choice.Type, many: String, mayBeEmpty: Bool = false
    ) -> [Choice]? {
        let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        return distinctList(value, of: "\(many) (\(known))", mayBeEmpty: mayBeEmpty) { $0.choice($1, as: Choice.self) }
    }
}
