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
/// 10 s grace period ends in SIGKILL.
struct Lifecycle {
    /// How long graceful shutdown may take before the parts still running are cancelled.
    static let drainLimit: Duration = .seconds(8)
    /// How long cancellation may then take before the process gives up waiting and crashes.
    static let cancelLimit: Duration = .seconds(1)

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
            let value = try await main()
            result.withLock { $0 = value }
        }
        var configuration = ServiceGroupConfiguration(
            services: parts + [.init(service: work, successTerminationBehavior: .gracefullyShutdownGroup,
                                     failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: name)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.drainLimit
        configuration.maximumCancellationDuration = Self.cancelLimit
        try await ServiceGroup(configuration: configuration).run()
        guard let value = result.withLock({ $0 }) else {
            throw CLIFailure.runtime("\(name) stopped before it finished")
        }
        return value
    }
}
