import Foundation
import Synchronization

/// Set by SIGINT or SIGTERM: long-running commands stop reading, write what they hold, and exit 0.
final class Shutdown: Sendable {
    private let requested = Atomic<Bool>(false)
    /// Signal sources live as long as the process; installed once, from the main task.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// How long an orderly stop may take before the process exits anyway. A stop waits for
    /// whatever the process was waiting for (a warehouse that is down, a broker, a mail server,
    /// a full feed), and orchestrators (Kubernetes, ECS, systemd) kill after 10 s: 8 s leaves the
    /// batch in hand time to commit when the warehouse answers, and the exit time to spare.
    static let grace: Duration = .seconds(8)

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
                exitAfterGrace()
            }
            source.resume()
            sources.append(source)
        }
        return shutdown
    }

    /// Ends the process `grace` after the signal if the orderly stop has not. Exiting then loses
    /// nothing: a batch not yet committed had its positions neither saved in the warehouse nor
    /// committed to the source, so the next start reads it again; an alert claimed and not sent
    /// is claimed again. So the exit is a success (0), as an orderly stop is. `_exit`, not `exit`:
    /// atexit handlers and C++ destructors of librdkafka's threads may be what is stuck.
    private static func exitAfterGrace() {
        let seconds = Double(grace.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            Console.error("deloton: stopping took more than \(Int(seconds)) s (the warehouse, broker or mail server "
                          + "did not answer); exiting now: what was not committed is read again on the next start")
            fflush(nil)
            _exit(0)
        }
    }
}
