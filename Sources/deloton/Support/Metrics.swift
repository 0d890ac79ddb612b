import CoreMetrics
import Prometheus

enum Metrics {
    private static let registry = PrometheusCollectorRegistry()
    nonisolated(unsafe) private static var bootstrapped = false

    /// One Prometheus registry per process, behind swift-metrics, so ingest figures and request
    /// figures appear on the same `/metrics` page when both run in one process.
    static func bootstrapPrometheus() -> PrometheusCollectorRegistry {
        if !bootstrapped {
            bootstrapped = true
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        }
        return registry
    }
}
