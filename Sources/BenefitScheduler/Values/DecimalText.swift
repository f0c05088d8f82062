import Foundation

/// Decimal numbers as authors write them in files: `500`, `-3`, `1200.50`, `0.5`, `.5`, `1e6`, `5_000_000`.
///
/// The text becomes a `Decimal` without passing through `Double`, so money
/// stays exact. Underscores may group digits. A leading zero before more
/// digits (`010`, `007`) is not a number but an identifier-like text, as in
/// JSON; hexadecimal, octal, infinities and NaN are not numbers either.
public enum DecimalText {
    /// The most significant digits a `Decimal` holds exactly.
    public static let maximumSignificantDigits = 38

    /// Parses the text, or returns `nil` when it is not a plain decimal number or would need rounding.
    ///
    /// More than ``maximumSignificantDigits`` significant digits, or a value
    /// whose last significant digit lies beyond 10^±100, give `nil` rather
    /// than a rounded value (``isOutOfRange(_:)`` tells those apart).
    public static func parse(_ text: String) -> Decimal? {
        guard let number = Written(text), number.fitsExactly else { return nil }
        let plain = "\(number.sign)\(number.integerDigits.isEmpty ? "0" : number.integerDigits).\(number.fractionDigits.isEmpty ? "0" : number.fractionDigits)e\(number.exponent)"
        return Decimal(string: plain, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// Whether the text is written as a plain decimal number that cannot be held exactly: `1e300`, 40 significant digits.
    ///
    /// Such a number is still a number to its author, so a message should say
    /// it is out of range rather than that it is not a number.
    public static func isOutOfRange(_ text: String) -> Bool {
        Written(text).map { !$0.fitsExactly } ?? false
    }

    /// A number as written: sign, digits before and after the point, and exponent.
    private struct Written {
        var sign = ""
        var integerDigits: Substring = ""
        var fractionDigits: Substring = ""
        var exponent = 0
        /// An exponent too long to be read (more than three digits) is out of any range.
        var exponentTooLong = false

        init?(_ text: String) {
            var rest = Substring(text.replacing("_", with: ""))
            if let first = rest.first, first == "+" || first == "-" {
                sign = first == "-" ? "-" : ""
                rest = rest.dropFirst()
            }
            integerDigits = rest.prefix(while: isDigit)
            rest = rest.dropFirst(integerDigits.count)
            if rest.first == "." {
                rest = rest.dropFirst()
                fractionDigits = rest.prefix(while: isDigit)
                rest = rest.dropFirst(fractionDigits.count)
            }
            if let marker = rest.first, marker == "e" || marker == "E" {
                rest = rest.dropFirst()
                var exponentSign = 1
                if let first = rest.first, first == "+" || first == "-" {
                    exponentSign = first == "-" ? -1 : 1
                    rest = rest.dropFirst()
                }
                let exponentDigits = rest.prefix(while: isDigit)
                guard !exponentDigits.isEmpty else { return nil }
                if exponentDigits.count <= 3, let value = Int(exponentDigits) {
                    exponent = exponentSign * value
                } else {
                    exponentTooLong = true
                }
                rest = rest.dropFirst(exponentDigits.count)
            }
            guard rest.isEmpty, !(integerDigits.isEmpty && fractionDigits.isEmpty) else { return nil }
            guard !(integerDigits.count > 1 && integerDigits.first == "0") else { return nil }
        }

        /// Whether a Decimal holds the number exactly.
        ///
        /// The value is `digits × 10^scale`; with zeros trimmed from both ends of
        /// the digits, their count and the scale must fit a Decimal exactly.
        var fitsExactly: Bool {
            let digits = integerDigits + fractionDigits
            let trailingZeros = digits.reversed().prefix(while: { $0 == "0" }).count
            let significant = max(0, digits.drop(while: { $0 == "0" }).count - trailingZeros)
            if significant == 0 { return true }
            let scale = exponent - fractionDigits.count + trailingZeros
            return !exponentTooLong && significant <= maximumSignificantDigits && (-100...100).contains(scale)
        }
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }
}
