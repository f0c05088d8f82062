import BenefitCore
import Hummingbird
import Logging
import NIOPosix
import Prometheus
import ServiceLifecycle

/// The daemons' HTTP endpoint for monitoring, off unless `--metrics-address` is given:
///
/// - `GET /metrics`: the registry in Prometheus text exposition format (0.0.4);
/// - `GET /healthz`: `200 ok` while the process runs (its event loop answers);
/// - `GET /readyz`: `200 ready` when `readiness` says so, else `503 not ready: …`
///   with the reasons.
///
/// A `Service`: it listens until the service group shuts down gracefully, then
/// stops accepting and lets requests under way finish. Put it first in the
/// group, so it is the last to stop and answers while the rest drains.
public struct TelemetryServer: Service {
    /// How long one readiness check may take before `/readyz` says not ready: a
    /// probe must get an answer even when the database hangs.
    public static let readinessLimit: Duration = .seconds(2)

    /// One thread of its own for the endpoint, for the life of the process. On
    /// SwiftNIO's shared group (a thread per core) a worker picked up new jobs
    /// about 0.2–1 ms later at the median with the endpoint idle (BENCHMARKS.md,
    /// Metrics); a scrape every few seconds needs no more than one.
    static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    let address: ListenAddress
    let registry: PrometheusCollectorRegistry
    let readiness: @Sendable () async -> Readiness
    let logger: Logger

    /// - Parameters:
    ///   - address: where to listen.
    ///   - registry: what `/metrics` shows (``PrometheusBackend/bootstrap()``'s).
    ///   - readiness: asked on every `/readyz`; cut off after ``readinessLimit``.
    public init(
        address: ListenAddress, registry: PrometheusCollectorRegistry, logger: Logger,
        readiness: @escaping @Sendable () async -> Readiness
    ) {
        self.address = address
        self.registry = registry
        self.readiness = readiness
        self.logger = logger
    }

    /// Listens until the service group shuts down. Throws ``TelemetryServerError``
    /// when it cannot listen (the port is taken, the host is not this machine's),
    /// which ends the daemon with that one line.
    public func run() async throws {
        let listening = Latch()
        let application = Application(
            router: router(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "benefit"),
            onServerRunning: { _ in
                listening.fire()
            },
            eventLoopGroupProvider: .shared(Self.eventLoops),
            logger: logger)
        do {
            try await application.run()
        } catch where !listening.isFired {
            throw TelemetryServerError(description: "cannot listen on \(address) (--metrics-address): \(error)")
        }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("metrics") { [registry] _, _ -> Response in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16_384)
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("healthz") { _, _ -> Response in
            Self.text(.ok, "ok\n")
        }
        router.get("readyz") { [readiness] _, _ -> Response in
            let answer = (try? await withDeadline(.now + Self.readinessLimit) { await readiness() })
                ?? Readiness(problems: ["the readiness check took longer than \(DurationText.format(Self.readinessLimit))"])
            return Self.text(answer.isReady ? .ok : .serviceUnavailable, answer.text)
        }
        return router
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The endpoint could not listen where it was asked to.
public struct TelemetryServerError: Error, CustomStringConvertible {
    public let description: String
}
