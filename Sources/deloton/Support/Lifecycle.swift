import DelotonConcurrency
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The one process model of the long-running commands (`run`, `ingest`, `serve`, `notify`,
/// `schedule`, `simulate`): their parts run as the services of one `ServiceGroup`.
///
/// SIGTERM and SIGINT shut the group down gracefully, one part after the other in reverse order
/// of `add`, the main work first: the source stops reading and the pipeline commits the batch in
/// hand, then alert delivery sends what is due, the server answers what is in flight, and the
/// gauges, liveness and metrics stop last. The main work ending by itself (a file read to its
/// end, a finite simulation, `notify --once`) shuts the other parts down the same way. A part
/// still busy after `drainLimit` is cancelled, so that the process exits before an orchestrator's
/// 10 s grace period ends in SIGKILL; a process whose cancelled parts still hang (a write stuck
/// in a driver that ignores cancellation, a broker that is down) exits 0 at `exitLimit`: what it
/// had not committed was neither saved in the warehouse nor committed to the source, so the next
/// start reads it again, and an alert claimed but not sent is claimed again. A second signal
/// during the drain exits at once (130).
struct Lifecycle {
    /// How long graceful shutdown may take before the parts still running are cancelled.
    static let drainLimit: Duration = .seconds(8)
    /// How long after the signal the process exits whatever still runs.
    static let exitLimit: Duration = .seconds(9)

    let logger: Logger
    private var parts: [ServiceGroupConfiguration.ServiceConfiguration] = []
    private var gates: [@Sendable () async throws -> Void] = []

    init(logger: Logger) { self.logger = logger }

    /// A part that serves the main work until the group shuts down; parts added later stop
    /// earlier. The main work waits for `ready` (a listener bound, say) before it starts, so a
    /// part that cannot start fails the command before any work is done.
    mutating func add(_ service: any Service, name: String, ready: (@Sendable () async throws -> Void)? = nil) {
        parts.append(.init(service: service, serviceName: name))
        if let ready { gates.append(ready) }
    }

    /// Runs the parts and `main`, the part stopped first, until `main` returns (the others are
    /// then stopped in turn) or throws (the others are stopped, then its error is thrown).
    /// `main` sees graceful shutdown like any service: `withGracefulShutdownHandler`, or
    /// `Shutdown.flag(_:)` for the loops that poll a flag.
    func run<T: Sendable>(_ name: String, main: @escaping @Sendable () async throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        let gates = self.gates
        let work = ClosureService {
            for gate in gates { try await gate() }
            let value = try await withGracefulShutdownHandler(operation: main) {
                Signalled.startDeadline(name)
            }
            result.withLock { $0 = value }
        }
        var configuration = ServiceGroupConfiguration(
            services: parts + [.init(service: work, successTerminationBehavior: .gracefullyShutdownGroup,
                                     failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: name)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.drainLimit
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch is CancellationError {
            throw CLIFailure.runtime("\(name) did not stop within \(Self.drainLimit) of the signal and was cancelled; "
                                     + "the next start resumes from what was committed")
        }
        guard let value = result.withLock({ $0 }) else {
            throw CLIFailure.runtime("\(name) stopped before it finished")
        }
        return value
    }
}

/// Once a signal has started the drain, the process ends by `Lifecycle.exitLimit` whatever
/// happens, and someone who presses Ctrl-C again does not want to wait for it: a second SIGINT
/// or SIGTERM ends it at once, with 130 as a shell reports an interrupted command.
private enum Signalled {
    /// Armed once; the sources live as long as the process.
    private static let sources = Mutex<[any DispatchSourceSignal]>([])

    static func startDeadline(_ name: String) {
        sources.withLock { sources in
            guard sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { exit(130) }
                source.resume()
                sources.append(source)
            }
            let seconds = Double(Lifecycle.exitLimit.components.seconds)
            // A thread that only sleeps, not a task nor a timer on a shared queue: it must fire
            // even when whatever is stuck holds every other thread. Released at once, the
            // executor still runs the job it was given.
            BlockingExecutor(name: "exit-deadline").execute {
                Thread.sleep(forTimeInterval: seconds)
                Console.error("\(name) did not stop within \(Int(seconds)) s of the signal (the warehouse, broker or mail server "
                              + "did not answer); exiting now: what was not committed is read again on the next start")
                fflush(nil)
                // _exit, not exit: atexit handlers and librdkafka's thread destructors may be what is stuck.
                _exit(0)
            }
        }
    }
}
