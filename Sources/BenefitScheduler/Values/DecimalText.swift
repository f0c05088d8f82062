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
    /// than a rounded value.
    public static func parse(_ text: String) -> Decimal? {
        var rest = Substring(text.replacing("_", with: ""))
        var sign = ""
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            rest = rest.dropFirst()
        }
        let integerDigits = rest.prefix(while: isDigit)
        rest = rest.dropFirst(integerDigits.count)
        var fractionDigits: Substring = ""
        if rest.first == "." {
            rest = rest.dropFirst()
            fractionDigits = rest.prefix(while: isDigit)
            rest = rest.dropFirst(fractionDigits.count)
        }
        var exponent = 0
        if let marker = rest.first, marker == "e" || marker == "E" {
            rest = rest.dropFirst()
            var exponentSign = 1
            if let first = rest.first, first == "+" || first == "-" {
                exponentSign = first == "-" ? -1 : 1
                rest = rest.dropFirst()
            }
            let exponentDigits = rest.prefix(while: isDigit)
            guard !exponentDigits.isEmpty, exponentDigits.count <= 3, let value = Int(exponentDigits) else { return nil }
            exponent = exponentSign * value
            rest = rest.dropFirst(exponentDigits.count)
        }
        guard rest.isEmpty, !(integerDigits.isEmpty && fractionDigits.isEmpty) else { return nil }
        guard !(integerDigits.count > 1 && integerDigits.first == "0") else { return nil }

        // The value is `digits × 10^scale`; with zeros trimmed from both ends of
        // the digits, their count and the scale must fit a Decimal exactly.
        let digits = integerDigits + fractionDigits
        let trailingZeros = digits.reversed().prefix(while: { $0 == "0" }).count
        let significant = max(0, digits.drop(while: { $0 == "0" }).count - trailingZeros)
        let scale = exponent - fractionDigits.count + trailingZeros
        guard significant <= maximumSignificantDigits, significant == 0 || (-100...100).contains(scale) else { return nil }

        let plain = "\(sign)\(integerDigits.isEmpty ? "0" : integerDigits).\(fractionDigits.isEmpty ? "0" : fractionDigits)e\(exponent)"
        return Decimal(string: plain, locale: Locale(identifier: "en_US_POSIX"))
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }
}
