import BenefitCore
import Foundation

/// The console's two languages: Simplified Chinese, which most operators read
/// first, and English. Chosen by the `lang` cookie (the switch sets it), else by
/// the browser's Accept-Language, else Chinese.
public enum Language: String, Sendable, CaseIterable {
    case zh, en

    /// The language for a request: the switch's cookie first, then the first
    /// Accept-Language range naming one of ours by quality, then Chinese.
    static func preferred(cookie: String?, acceptLanguage: String?) -> Language {
        if let cookie, let chosen = Language(rawValue: cookie) { return chosen }
        guard let acceptLanguage else { return .zh }
        let ranges = acceptLanguage.split(separator: ",").compactMap { part -> (tag: String, quality: Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { return nil }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag, quality)
        }
        for range in ranges.sorted(by: { $0.quality > $1.quality }) where range.quality > 0 {
            if range.tag == "zh" || range.tag.hasPrefix("zh-") { return .zh }
            if range.tag == "en" || range.tag.hasPrefix("en-") { return .en }
        }
        return .zh
    }

    /// `lang` of the page's `<html>`.
    var htmlTag: String { self == .zh ? "zh-CN" : "en" }

    // MARK: Formatting

    /// 2027年2月6日 09:00 / Feb 6, 2027, 09:00, in `zone` (UTC by default);
    /// with `seconds`, 09:00:07 (attempts a second apart must read apart).
    func dateTime(_ date: Date?, zone: TimeZone = .gmt, seconds: Bool = false) -> String {
        guard let date else { return "—" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let (year, month, day) = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let time = seconds
            ? String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
            : String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        switch self {
        case .zh: return "\(year)年\(month)月\(day)日 \(time)"
        case .en: return "\(Self.monthNames[max(0, min(11, month - 1))]) \(day), \(year), \(time)"
        }
    }

    /// 2月6日 / Feb 6: a day on a chart's axis, from `YYYY-MM-DD` (the text itself when it is not one).
    func shortDay(_ day: String) -> String {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return day }
        switch self {
        case .zh: return "\(parts[1])月\(parts[2])日"
        case .en: return "\(Self.monthNames[parts[1] - 1]) \(parts[2])"
        }
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// ¥1,234,567.50 in both languages (the amounts are yuan); `short`: ¥123.5万 / ¥1.2M, for a chart.
    func money(_ amount: Decimal, short: Bool = false) -> String {
        if short {
            let value = NSDecimalNumber(decimal: amount).doubleValue
            switch self {
            case .zh where value >= 100_000_000: return String(format: "¥%.1f亿", value / 100_000_000)
            case .zh where value >= 10_000: return String(format: "¥%.1f万", value / 10_000)
            case .en where value >= 1_000_000: return String(format: "¥%.1fM", value / 1_000_000)
            case .en where value >= 1_000: return String(format: "¥%.1fk", value / 1_000)
            default: return String(format: "¥%.0f", value)
            }
        }
        return "¥" + NumberText.amount(amount)
    }

    /// 1,234,567.
    func count(_ number: Int) -> String {
        NumberText.grouped(number)
    }

    /// 250毫秒 / 250ms: a duration under a second.
    func milliseconds(_ value: Double) -> String {
        "\(max(0, Int((value * 1_000).rounded())))" + (self == .zh ? "毫秒" : "ms")
    }

    /// 09:00:07 UTC: a time on a chart's axis, the same in both languages.
    func clock(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// 3秒 / 2分5秒 / 3s / 2m5s: a duration in whole seconds.
    func seconds(_ value: Double) -> String {
        let whole = max(0, Int(value))
        let (hours, minutes, seconds) = (whole / 3_600, whole % 3_600 / 60, whole % 60)
        let units = self == .zh ? ("小时", "分", "秒") : ("h", "m", "s")
        var text = ""
        if hours > 0 { text += "\(hours)\(units.0)" }
        if minutes > 0 { text += "\(minutes)\(units.1)" }
        if seconds > 0 || text.isEmpty { text += "\(seconds)\(units.2)" }
        return text
    }
}
