import BenefitCore
import Foundation
import Subprocess
import SystemPackage

/// A certificate authority of a test's own, made with `openssl` the way
/// docs/operations.md tells operators to make theirs, and the server
/// certificates it signs.
public struct CertificateAuthority: Sendable {
    /// The CA's certificate: what a client names as `sslrootcert`.
    public let certificate: URL
    private let key: URL

    /// Makes a self-signed CA in `folder`: `NAME.crt`, and `NAME.key` (mode 0600 from its creation).
    public static func make(named name: String, in folder: URL) async throws -> CertificateAuthority {
        let key = folder.appendingPathComponent("\(name).key")
        try await makeKey(at: key)
        let certificate = folder.appendingPathComponent("\(name).crt")
        try await openssl(["req", "-x509", "-new", "-key", key.path, "-days", "2", "-subj", "/CN=\(name)", "-out", certificate.path])
        return CertificateAuthority(certificate: certificate, key: key)
    }

    /// Makes `server.key` (mode 0600 from its creation) and `server.crt`, signed by
    /// this CA, in `folder`: a certificate for the names a test's client dials,
    /// `localhost` and 127.0.0.1.
    public func issueServerCertificate(in folder: URL) async throws {
        let serverKey = folder.appendingPathComponent("server.key")
        try await Self.makeKey(at: serverKey)
        let request = folder.appendingPathComponent("server.csr")
        try await Self.openssl(["req", "-new", "-key", serverKey.path, "-subj", "/CN=localhost", "-out", request.path])
        let extensions = folder.appendingPathComponent("server.ext")
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n".utf8)
            .write(to: extensions)
        try await Self.openssl([
            "x509", "-req", "-in", request.path, "-CA", certificate.path, "-CAkey", key.path, "-CAcreateserial",
            "-days", "2", "-extfile", extensions.path, "-out", folder.appendingPathComponent("server.crt").path,
        ])
    }

    /// An EC P-256 private key, written to a file made with mode 0600 (openssl's own
    /// file mode is not something to rely on).
    private static func makeKey(at path: URL) async throws {
        let pem = try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        try FileGuard.replace(path.path, mode: 0o600, contents: Data(pem.utf8))
    }

    /// Runs `openssl ARGUMENTS`; returns its standard output.
    @discardableResult
    private static func openssl(_ arguments: [String]) async throws -> String {
        let result = try await Subprocess.run(
            .name("openssl"), arguments: Arguments(arguments),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        guard case .exited(0) = result.terminationStatus else {
            throw TestSetupError("openssl \(arguments.first ?? "") failed (run ops/install-deps): \(result.standardError)")
        }
        return result.standardOutput
    }
}
