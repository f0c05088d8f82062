import BenefitTelemetry
import Testing

@Suite("--metrics-address: HOST:PORT read strictly")
struct ListenAddressTests {
    @Test("hosts and ports that are well formed are read as given", arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464),
        ("0.0.0.0:1", "0.0.0.0", 1),
        ("localhost:65535", "localhost", 65535),
        ("metrics.host-1.internal:9100", "metrics.host-1.internal", 9100),
        ("[::1]:9464", "::1", 9464),
    ])
    func wellFormedAddressesAreRead(text: String, host: String, port: Int) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address == ListenAddress(host: host, port: port))
        #expect(address.description == text)
    }

    @Test("anything else is refused with one line saying what is wrong", arguments: [
        ("9464", "expected HOST:PORT"),
        (":9464", "the host is missing"),
        ("127.0.0.1:", "the port must be"),
        ("127.0.0.1:0", "the port must be"),
        ("127.0.0.1:65536", "the port must be"),
        ("127.0.0.1:+80", "the port must be"),
        ("127.0.0.1:9464 ", "the port must be"),
        ("127.0.0.1:0009464", "the port must be"),
        (" 127.0.0.1:9464", "the host may hold only"),
        ("local_host:9464", "the host may hold only"),
        ("-host:9464", "the host may hold only"),
        ("host..internal:9464", "the host may hold only"),
        ("::1:9464", "an IPv6 host is written in brackets"),
        ("[::1:9464", "an IPv6 host is written in brackets"),
        ("[]:9464", "an IPv6 host is written in brackets"),
        ("[zz]:9464", "\"zz\" is not an IPv6 address"),
        ("http://127.0.0.1:9464", "give HOST:PORT without a scheme"),
    ])
    func malformedAddressesAreRefused(text: String, problem: String) {
        #expect {
            try ListenAddress(parsing: text)
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix(problem) && !description.contains("\n")
        }
    }
}
