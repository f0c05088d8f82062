import BenefitScheduler
import Foundation

extension CampaignValueReader {
    /// A positive number of yuan with at most two decimals, up to `maximum`; `what` names it in messages.
    mutating func yuan(_ value: SourceValue, what: String, maximum: Decimal) -> Decimal? {
        guard case .number(let number) = value.content, number > 0, Yuan.isWholeCents(number) else {
            add("expected a positive number of yuan with at most 2 decimals, got \(value.gotDescription)", at: value)
            return nil
        }
        guard number <= maximum else {
            outOfRange(value, what: what, from: "0.01", to: Yuan.text(maximum))
            return nil
        }
        return number
    }

    /// A mapping's entries as yuan by key: each key read by `key` (nil: reported
    /// with `refusal(key)`), each value by ``yuan(_:what:maximum:)`` with `what(key)`;
    /// nil if any entry is bad, so one slip is not judged again downstream.
    mutating func yuan<Key: Hashable>(
        byKeyOf block: SourceBlock, key: (String) -> Key?, refusal: (String) -> String, what: (String) -> String, maximum: Decimal
    ) -> [Key: Decimal]? {
        var amounts: [Key: Decimal] = [:]
        var valid = true
        for (text, entry) in block.entries {
            guard let key = key(text) else {
                add(refusal(text), at: entry)
                valid = false
                continue
            }
            amounts[key] = yuan(entry, what: what(text), maximum: maximum)
            valid = valid && amounts[key] != nil
        }
        return valid ? amounts : nil
    }
}
