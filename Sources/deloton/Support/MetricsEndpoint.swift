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
    @Option(help: .setting(.metricsPort)) var metricsPort: Int?

    /// nil when metrics are off; a port outside 1...65535 is exit 2.
    func port() throws -> Int? {
        guard let text = metricsPort.map(String.init) ?? Env.value(.metricsPort) else { return nil }
        guard let port = Int(text), (1...65535).contains(port) else {
            throw CLIFailure.usage("\(flag: .metricsPort) \(text) is not a port: use 1 to 65535 (\(variable: .metricsPort))")
        }
        return port
    }

    /// The listener when a port is set (checked by `port()`), to add to the command's `Lifecycle`.
    func endpoint(port: Int?, logger: Logger) -> MetricsEndpoint? {
        guard let port else { return nil }
        return MetricsEndpoint(host: Env.text(.host, flag: nil), port: port,
                               registry: Metrics.bootstrapPrometheus(), logger: logger)
    }
}

/// A `/metrics` listener: a service of the command's `Lifecycle`, added first so that it is
/// stopped last and the final figures can still be scraped while the rest drains.
struct MetricsEndpoint: Service {
    private let host: String
    private let port: Int
    private let app: any Service
    /// Told once: listening, or why not (a port in use is a failure at start, exit 1).
    private let started: AsyncStream<Result<Void, CLIFailure>>
    private let startedContinuation: AsyncStream<Result<Void, CLIFailure>>.Continuation

    init(host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger) {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16 * 1024)
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let (started, startedContinuation) = AsyncStream<Result<Void, CLIFailure>>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.host = host
        self.port = port
        self.started = started
        self.startedContinuation = startedContinuation
        app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
                          onServerRunning: { _ in
                              logger.info("Prometheus metrics at http://\(host):\(port)/metrics")
                              startedContinuation.yield(.success(()))
                          }, logger: logger)
    }

    /// Serves until the group shuts down (requests in flight are answered).
    func run() async throws {
        do {
            try await app.run()
        } catch {
            let failure = CLIFailure.runtime("cannot serve metrics on \(host):\(port) (\(flag: .metricsPort), \(variable: .metricsPort)): \(error)")
            startedContinuation.yield(.failure(failure))
            throw failure
        }
        startedContinuation.finish()
    }

    /// Returns once the listener is bound; throws its failure when it cannot be.
    func listening() async throws {
        for await outcome in started { return try outcome.get() }
        throw CancellationError()
    }
}
