import Foundation
import Synchronization

/// Set by SIGINT or SIGTERM: long-running commands stop reading, write what they hold, and exit 0.
final class Shutdown: Sendable {
    private let requested = Atomic<Bool>(false)
    /// Signal sources live as long as the process; installed once, from the main task.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    var isRequested: Bool { requested.load(ordering: .relaxed) }

    func request() { requested.store(true, ordering: .relaxed) }

    /// Installs the handlers; a second signal exits at once.
    static func install() -> Shutdown {
        let shutdown = Shutdown()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if shutdown.isRequested { exit(130) }
                shutdown.request()
            }
            source.resume()
            sources.append(source)
        }
        return shutdown
    }
}
