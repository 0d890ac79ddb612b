import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// `--metrics-port` of the roles without an API (`ingest`, `notify`, `schedule`): the process's
/// Prometheus registry at `/metrics` on its own small HTTP listener. `serve` and `run` keep
/// theirs on the API port.
struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics, HOST being DELOTON_HOST "
                                   + "(default 127.0.0.1) [DELOTON_METRICS_PORT] (default: off)", valueName: "port"))
    var metricsPort: Int?

    /// nil when metrics are off; a port outside 1...65535 is exit 2.
    func port() throws -> Int? {
        guard let text = metricsPort.map(String.init) ?? Env.value("DELOTON_METRICS_PORT") else { return nil }
        guard let port = Int(text), (1...65535).contains(port) else {
            throw CLIFailure.usage("--metrics-port \(text) is not a port: use 1 to 65535 (DELOTON_METRICS_PORT)")
        }
        return port
    }

    /// Starts the listener when a port is set, after checking the port; returns once it listens.
    func start(logger: Logger) async throws -> MetricsEndpoint? {
        guard let port = try port() else { return nil }
        return try await MetricsEndpoint.start(host: Env.value("DELOTON_HOST") ?? "127.0.0.1", port: port,
                                               registry: Metrics.bootstrapPrometheus(), logger: logger)
    }
}

/// A running `/metrics` listener.
final class MetricsEndpoint: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Never>

    private init(group: ServiceGroup, task: Task<Void, Never>) {
        self.group = group
        self.task = task
    }

    static func start(host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger) async throws -> MetricsEndpoint {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16 * 1024)
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        // Told once: listening, or why not (a port in use is a failure at start, exit 1).
        let (started, startedContinuation) = AsyncStream<Result<Void, any Error>>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
                              onServerRunning: { _ in startedContinuation.yield(.success(())) }, logger: logger)
        // Signals stay with the command's own Shutdown; this listener is stopped by `stop()`.
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do { try await group.run() } catch { startedContinuation.yield(.failure(error)) }
            startedContinuation.finish()
        }
        for await outcome in started {
            if case .failure(let error) = outcome {
                throw CLIFailure.runtime("cannot serve metrics on \(host):\(port) (--metrics-port, DELOTON_METRICS_PORT): \(error)")
            }
            break
        }
        logger.info("Prometheus metrics at http://\(host):\(port)/metrics")
        return MetricsEndpoint(group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}
