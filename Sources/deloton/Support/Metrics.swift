import CoreMetrics
import Prometheus

enum Metrics {
    private static let registry = PrometheusCollectorRegistry()
    nonisolated(unsafe) private static var bootstrapped = false

    /// One Prometheus registry per process, behind swift-metrics, so ingest figures and request
    /// figures appear on the same `/metrics` page when both run in one process. Call it before
    /// any metric is created: swift-metrics binds each one to the factory of its creation.
    static func bootstrapPrometheus() -> PrometheusCollectorRegistry {
        if !bootstrapped {
            bootstrapped = true
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.durationHistogramBuckets[Instruments.commitLatency] = Instruments.commitBuckets
            MetricsSystem.bootstrap(factory)
        }
        return registry
    }
}
