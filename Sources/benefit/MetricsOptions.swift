import ArgumentParser
import BenefitTelemetry
import Logging
import PostgresClient
import Prometheus
import ServiceLifecycle

/// `--metrics-address`, for the daemons: off unless given.
struct MetricsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics on /metrics, and /healthz and /readyz, at this address (default: off; docs/operations.md, Metrics).",
            valueName: "host:port"),
        transform: { text in
            do { return try ListenAddress(parsing: text) } catch { throw OptionValueError("\(error)") }
        })
    var metricsAddress: ListenAddress?

    /// When an address was given, bootstraps the metrics backend and returns its
    /// registry. Call it first: a metric made before it (a pool's) records nothing.
    func bootstrap() -> PrometheusCollectorRegistry? {
        metricsAddress == nil ? nil : PrometheusBackend.bootstrap()
    }

    /// The endpoint's service when an address was given, to put first in the
    /// daemon's service group (it then stops last); none otherwise.
    func services(
        registry: PrometheusCollectorRegistry?, logger: Logger, readiness: @escaping @Sendable () async -> Readiness
    ) -> [any Service] {
        guard let metricsAddress, let registry else { return [] }
        return [TelemetryServer(address: metricsAddress, registry: registry, logger: logger, readiness: readiness)]
    }
}

extension Readiness {
    /// Ready when a pooled connection answers `SELECT 1` within a second.
    static func database(_ pool: PostgresPool) async -> Readiness {
        await pool.isReachable(within: .seconds(1)) ? .ready : Readiness(problems: ["PostgreSQL does not answer"])
    }
}
