import CoreMetrics
import Prometheus

/// The Prometheus backend of swift-metrics, with the buckets the product's
/// histograms need.
///
/// The libraries record their metrics with swift-metrics; until a backend is
/// bootstrapped those calls go nowhere and cost next to nothing. `benefit worker`
/// and `benefit scheduler` bootstrap this one when `--metrics-address` is given,
/// and ``TelemetryServer`` serves its registry.
public enum PrometheusBackend {
    /// Job durations run from a `noop`'s millisecond to a large batch's minutes.
    static let jobDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60), .seconds(300), .seconds(900),
    ]

    /// A claim returns from one job to `--concurrency` (at most 1,000).
    static let claimBatchBuckets: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000]

    /// Makes a registry, bootstraps swift-metrics with it, and returns it. Call
    /// once per process, before the libraries make their metrics: a metric made
    /// before the bootstrap stays a no-op.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = ["benefit_job_duration_seconds": jobDurationBuckets]
        factory.valueHistogramBuckets = ["benefit_claim_batch_size": claimBatchBuckets]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
