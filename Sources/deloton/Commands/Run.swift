import ArgumentParser
import DelotonCore
import DelotonIngest
import DelotonStore
import Foundation
import Synchronization

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything on one machine: simulator → SQLite → alerts → API and live dashboard.",
        discussion: """
            Embedded defaults: the built-in ride simulator in real time, the warehouse in deloton.sqlite. \
            --source kafka reads the Kafka topic instead of the simulator. Stop with Ctrl-C.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "simulator or kafka [DELOTON_RUN_SOURCE] (default simulator)") var source: String?
    @OptionGroup(title: "Simulator") var simulation: SimulatorOptions
    @OptionGroup(title: "Kafka (with --source kafka)") var kafka: KafkaConnectionOptions
    @OptionGroup(title: "Kafka consumer (with --source kafka)") var kafkaConsumer: KafkaConsumerOptions
    @Option(help: "Seconds of silence after which a live stream's ride ends [DELOTON_RIDE_IDLE_TIMEOUT] (default 60)")
    var rideIdleTimeout: Double?

    func run() async throws {
        let logger = try common.logger("deloton.run")
        let streamZone = try common.streamZone()
        let idle = try Ingest.idleTimeout(rideIdleTimeout)
        let sourceText = source ?? Env.value("DELOTON_RUN_SOURCE") ?? "simulator"
        guard sourceText == "simulator" || sourceText == "kafka" else {
            throw CLIFailure.usage("--source \(sourceText) is not a source for run: use simulator or kafka")
        }
        let kafkaSettings = sourceText == "kafka" ? try kafkaConsumer.settings(connection: kafka) : nil
        let warehouse = try await common.openWarehouse(logger: logger)
        let shutdown = Shutdown.install()
        let status = StatusLine()
        if kafkaSettings != nil {
            Console.out("deloton run: reading Kafka topic \(kafka.topic) at \(kafka.brokers) into \(Redact.url(common.databaseURL)); Ctrl-C stops")
        } else {
            Console.out("deloton run: simulating \(simulation.bikes) bike(s) into \(common.databaseURL); Ctrl-C stops")
        }
        var runner = IngestRunner(warehouse: warehouse, logger: logger, shutdown: shutdown)
        runner.onCommitted = { committed in status.add(committed) }
        let options = IngestOptions(streamZone: streamZone, rideIdleTimeout: idle)
        let stats = if let kafkaSettings {
            try await runner.ingestKafka(kafkaSettings, options: options)
        } else {
            try await runner.ingestSimulator(simulation, options: options)
        }
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
