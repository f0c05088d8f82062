/// Where the metrics endpoint listens: `HOST:PORT`, read strictly.
///
/// The host is an IPv4 address (`127.0.0.1`, `0.0.0.0` for every interface), a
/// host name (`localhost`, `metrics.host1.internal`) or an IPv6 address in
/// brackets (`[::1]`); the port a whole number from 1 to 65535. Nothing is
/// guessed: no default port, no bare host, no spaces.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host as given, without the brackets of an IPv6 address.
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT`; throws ``ListenAddressError`` saying what is wrong.
    public init(parsing text: String) throws(ListenAddressError) {
        guard !text.contains("/") else {
            throw ListenAddressError("give HOST:PORT without a scheme or path, such as 127.0.0.1:9464")
        }
        guard let colon = text.lastIndex(of: ":") else {
            throw ListenAddressError("expected HOST:PORT, such as 127.0.0.1:9464")
        }
        var host = Substring(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portText), (1...65_535).contains(port)
        else {
            throw ListenAddressError("the port must be a whole number from 1 to 65535, such as 127.0.0.1:9464")
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw ListenAddressError("an IPv6 host is written in brackets, such as [::1]:9464") }
            host = host.dropFirst().dropLast()
            guard host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":") else {
                throw ListenAddressError("\"\(host)\" is not an IPv6 address")
            }
        } else {
            guard !host.isEmpty else { throw ListenAddressError("the host is missing; give one, such as 127.0.0.1:9464 (0.0.0.0 for every interface)") }
            guard !host.contains(":") else { throw ListenAddressError("an IPv6 host is written in brackets, such as [::1]:9464") }
            guard Self.isHostName(host) else {
                throw ListenAddressError("the host may hold only letters, digits, '-' and '.', such as 127.0.0.1 or localhost")
            }
        }
        self.host = String(host)
        self.port = port
    }

    /// `HOST:PORT`, an IPv6 host in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Labels of letters, digits and hyphens, joined by dots; neither end a dot or hyphen.
    private static func isHostName(_ host: Substring) -> Bool {
        guard host.count <= 253 else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

/// A listen address that could not be read: what is wrong with it, in one line.
public struct ListenAddressError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
