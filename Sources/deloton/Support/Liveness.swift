import CoreMetrics
import DelotonTelemetry
import Foundation
import Logging

/// `DELOTON_LIVENESS_FILE`: long-running commands touch it while they are healthy, so a
/// container health check (`deloton-healthcheck`, or `find FILE -mmin -1`) can tell a live
/// process from a stuck one. `notify` and `schedule` are healthy while they run; `ingest` only
/// while its pipeline is not stalled (`StallWatch`).
enum Liveness {
    /// Touches the file every `interval` while `healthy()` says so (when the variable is set).
    static func start(interval: Duration = .seconds(10), healthy: @escaping @Sendable () -> Bool = { true }) -> Task<Void, Never>? {
        guard let path = Env.value("DELOTON_LIVENESS_FILE") else { return nil }
        return Task.detached {
            while !Task.isCancelled {
                if healthy(),
                   !FileManager.default.createFile(atPath: path, contents: Data(String(Int(Date().timeIntervalSince1970)).utf8)) {
                    Console.error("cannot write the liveness file \(path) (DELOTON_LIVENESS_FILE)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Ingest's liveness: the file is touched only while the pipeline advances or has nothing to
    /// do, `deloton_ingest_stalled` says the same to Prometheus, and a stall is logged once.
    static func startWatching(_ watch: StallWatch, logger: Logger) -> Task<Void, Never> {
        // Often enough that the file's age reflects a stall within a fraction of the limit.
        let interval = min(Duration.seconds(10), watch.limit / 2)
        let stalledGauge = Gauge(label: Instruments.stalled)
        let file = start(interval: interval) { !watch.isStalled() }
        return Task.detached {
            defer { file?.cancel() }
            var reportedStalled = false
            while !Task.isCancelled {
                let stalled = watch.isStalled()
                stalledGauge.record(stalled ? 1 : 0)
                if stalled != reportedStalled {
                    reportedStalled = stalled
                    if stalled {
                        logger.error("ingest has not advanced for \(watch.limit) while input is waiting; liveness now fails (DELOTON_STALL_TIMEOUT)")
                    } else {
                        logger.notice("ingest advances again; liveness restored")
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
