import ArgumentParser
import DelotonCore
import DelotonIngest
import DelotonStore
import Foundation
import Synchronization

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything on one machine: simulator → SQLite → alerts → API and live dashboard.",
        discussion: "Embedded defaults: the built-in ride simulator in real time, the warehouse in deloton.sqlite. Stop with Ctrl-C.")

    @OptionGroup var common: CommonOptions
    @OptionGroup(title: "Simulator") var simulation: SimulatorOptions
    @Option(help: "Seconds of silence after which a live stream's ride ends [DELOTON_RIDE_IDLE_TIMEOUT] (default 60)")
    var rideIdleTimeout: Double?

    func run() async throws {
        let logger = try common.logger("deloton.run")
        let streamZone = try common.streamZone()
        let idle = try Ingest.idleTimeout(rideIdleTimeout)
        let warehouse = try await common.openWarehouse(logger: logger)
        let shutdown = Shutdown.install()
        let status = StatusLine()
        Console.out("deloton run: simulating \(simulation.bikes) bike(s) into \(common.databaseURL); Ctrl-C stops")
        var runner = IngestRunner(warehouse: warehouse, logger: logger, shutdown: shutdown)
        runner.onCommitted = { committed in status.add(committed) }
        let stats = try await runner.ingestSimulator(simulation, options: IngestOptions(streamZone: streamZone, rideIdleTimeout: idle))
        Console.endStatus()
        try await warehouse.close()
        Console.out("stopped: " + IngestRunner.summary(stats, seconds: status.elapsed))
    }
}

/// The live status line of `deloton run`: redrawn each second on a terminal, a log line every
/// ten seconds otherwise.
final class StatusLine: Sendable {
    private struct State {
        var readings = 0, ridesEnded = 0, alerts = 0, batches = 0
        var lastDraw = ContinuousClock.now
    }
    private let state = Mutex(State())
    private let started = ContinuousClock.now

    var elapsed: Double { (ContinuousClock.now - started).seconds }

    func add(_ committed: CommittedBatch) {
        let line: String? = state.withLock { s in
            s.readings += committed.readings
            s.ridesEnded += committed.outcome.endedRideIDs.count
            s.alerts += committed.outcome.newAlertIDs.count
            s.batches += 1
            let every: Duration = Console.isTerminal ? .seconds(1) : .seconds(10)
            guard ContinuousClock.now - s.lastDraw >= every else { return nil }
            s.lastDraw = .now
            return "\(Console.count(s.readings)) readings · \(Console.count(s.ridesEnded)) rides finished · "
                + "\(Console.count(s.alerts)) alerts · up \(Int(elapsed)) s"
        }
        guard let line else { return }
        if Console.isTerminal { Console.status(line) } else { Console.out(line) }
    }
}
