import ServiceLifecycle
import Synchronization

/// A stop request for loops that poll a flag (the sources' `stop:` closures): set when the
/// service group shuts down gracefully (SIGTERM, SIGINT; see `Lifecycle`), after which they stop
/// reading and write what they hold.
final class Shutdown: Sendable {
    private let requested = Atomic<Bool>(false)

    var isRequested: Bool { requested.load(ordering: .relaxed) }

    func request() { requested.store(true, ordering: .relaxed) }

    /// Runs `body` with a flag that graceful shutdown of the calling service sets.
    static func flag<T>(_ body: (Shutdown) async throws -> T) async rethrows -> T {
        let shutdown = Shutdown()
        return try await withGracefulShutdownHandler {
            try await body(shutdown)
        } onGracefulShutdown: {
            shutdown.request()
        }
    }
}
