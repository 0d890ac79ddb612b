import CoreMetrics
import DelotonTelemetry
import Foundation
import Logging
import ServiceLifecycle

/// `DELOTON_LIVENESS_FILE`: long-running commands touch it while they are healthy, so a
/// container health check (`deloton-healthcheck`, or `find FILE -mmin -1`) can tell a live
/// process from a stuck one. `notify` and `schedule` are healthy while they run; `ingest` only
/// while its pipeline is not stalled (`StallWatch`). Both are services of the command's
/// `Lifecycle`, stopped last but for metrics.
enum Liveness {
    static var path: String? { Env.value(.livenessFile) }

    /// Touches the file every 10 s until the group shuts down; nil when the variable is not set.
    static func service() -> (any Service)? {
        guard let path else { return nil }
        return ClosureService {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    touch(path)
                    try? await Task.sleep(for: .seconds(10))
                }
            }
        }
    }

    /// Ingest's liveness, one verdict per beat: the file is touched only while the pipeline
    /// advances or has nothing to do, `deloton_ingest_stalled` says the same to Prometheus, and
    /// a stall is logged once. A write hung on a PostgreSQL server that is down is being retried
    /// by the connection pool, so the server is asked before a stall is declared.
    static func watching(_ watch: StallWatch, reachability: WarehouseReachability?, logger: Logger) -> any Service {
        // Often enough that the file's age reflects a stall within a fraction of the limit.
        let interval = min(Duration.seconds(10), watch.limit / 2)
        let stalledGauge = Gauge(label: Instruments.stalled)
        let path = self.path
        return ClosureService { await cancelWhenGracefulShutdown {
            var reportedStalled = false
            var lastUnreachableLog: ContinuousClock.Instant?
            while !Task.isCancelled {
                if watch.isStalled(), let reachability, reachability.isUnreachable() {
                    watch.warehouseUnreachable()
                    // Once a minute is enough to show that the outage goes on.
                    if lastUnreachableLog.map({ .now - $0 >= .seconds(60) }) ?? true {
                        logger.warning("the warehouse cannot be reached; ingest waits for it and stays live")
                        lastUnreachableLog = .now
                    }
                }
                let stalled = watch.isStalled()
                stalledGauge.record(stalled ? 1 : 0)
                if !stalled, let path { touch(path) }
                if stalled != reportedStalled {
                    reportedStalled = stalled
                    if stalled {
                        logger.error("ingest has not advanced for \(watch.limit) while input is waiting; liveness now fails (\(variable: .stallTimeout))")
                    } else {
                        logger.notice("ingest advances again; liveness restored")
                    }
                }
                try? await Task.sleep(for: interval)
            }
        } }
    }

    private static func touch(_ path: String) {
        if !FileManager.default.createFile(atPath: path, contents: Data(String(Int(Date().timeIntervalSince1970)).utf8)) {
            Console.error("cannot write the liveness file \(path) (\(variable: .livenessFile))")
        }
    }
}
