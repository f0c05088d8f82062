import BenefitCore
import BenefitTelemetry
import BenefitTestSupport
import CoreMetrics
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

@Suite("The metrics endpoint: /metrics, /healthz, /readyz")
struct TelemetryServerTests {
    @Test("it serves the registry as Prometheus text, answers /healthz, and /readyz as the readiness closure says")
    func servesMetricsHealthAndReadiness() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        Counter(label: "benefit_test_things_total", dimensions: [("queue", "a\"b")], factory: factory).increment(by: 3)
        Timer(label: "benefit_test_seconds", dimensions: [], factory: factory).recordMilliseconds(20)
        let ready = Mutex(true)
        let port = try PortProbe.freePort()
        let server = TelemetryServer(
            address: ListenAddress(host: "127.0.0.1", port: port), registry: registry, logger: Logger(label: "test")
        ) {
            ready.withLock { $0 } ? .ready : Readiness(problems: ["not claiming jobs"])
        }
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await eventually { (try? await HTTPProbe.get(port: port, path: "/healthz"))?.status == 200 })

            let metrics = try await HTTPProbe.get(port: port, path: "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = try PrometheusText(parsing: metrics.body)
            #expect(text.value("benefit_test_things_total", ["queue": "a\"b"]) == 3)
            #expect(text.types["benefit_test_seconds"] == "histogram")
            #expect(text.value("benefit_test_seconds_count") == 1)

            let readyAnswer = try await HTTPProbe.get(port: port, path: "/readyz")
            #expect(readyAnswer.status == 200 && readyAnswer.body == "ready\n")
            ready.withLock { $0 = false }
            let unready = try await HTTPProbe.get(port: port, path: "/readyz")
            #expect(unready.status == 503 && unready.body == "not ready: not claiming jobs\n")
            #expect(try await HTTPProbe.get(port: port, path: "/nothing").status == 404)

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // Shut down: nothing listens any more.
        await #expect(throws: HTTPProbeError.self) { try await HTTPProbe.get(port: port, path: "/healthz") }
    }

    @Test("the strict reader refuses text Prometheus would refuse", arguments: [
        "x 1\n",
        "# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",
        "# TYPE x counter\nx -1\n",
        "# TYPE x counter\nx{a=b} 1\n",
        "# TYPE x gauge\nx 1",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"1\"} 1\n",
        "# TYPE 1x gauge\n",
    ])
    func strictReaderRefusesBadText(text: String) {
        #expect(throws: PrometheusTextError.self) { try PrometheusText(parsing: text) }
    }
}
