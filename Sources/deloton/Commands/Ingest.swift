import ArgumentParser
import DelotonCore
import DelotonIngest
import DelotonKafka
import DelotonStore
import DelotonTelemetry
import Foundation
import Logging
import ServiceLifecycle

/// Where `ingest` reads: `kafka`, `file:PATH` or `simulator`.
enum SourceSpec: Equatable {
    case kafka
    case file(String)
    case simulator

    init(_ text: String) throws {
        if text == "kafka" { self = .kafka }
        else if text == "simulator" { self = .simulator }
        else if text.hasPrefix("file:"), text.count > 5 { self = .file(String(text.dropFirst(5))) }
        else { throw CLIFailure.usage("\(flag: .fileSource) \(text) is not a source: use kafka, file:PATH or simulator") }
    }
}

/// Simulator settings shared by `ingest --source simulator`, `run` and `simulate`.
struct SimulatorOptions: ParsableArguments {
    @Option(help: .setting(.bikes)) var bikes: Int = 3
    @Option(help: .setting(.rides)) var rides: Int?
    @Option(help: .setting(.speed)) var speed: Double?
    @Option(help: .setting(.seed)) var seed: UInt64?
    @Option(help: .setting(.minRideSeconds)) var minRideSeconds: Int = 350
    @Option(help: .setting(.maxRideSeconds)) var maxRideSeconds: Int = 520

    func validate() throws {
        guard (1...100_000).contains(bikes) else { throw ValidationError("\(flag: .bikes) must be from 1 to 100000") }
        guard (speed ?? 0) >= 0 else { throw ValidationError("\(flag: .speed) must be 0 (as fast as possible) or more") }
        // A day's ride and a hundred million rides keep every stream time far inside Int64 microseconds.
        guard minRideSeconds >= 3, maxRideSeconds >= minRideSeconds, maxRideSeconds <= 86_400 else {
            throw ValidationError("\(flag: .minRideSeconds) must be at least 3 and no more than \(flag: .maxRideSeconds), at most 86400")
        }
        if let rides, !(1...100_000_000).contains(rides) { throw ValidationError("\(flag: .rides) must be from 1 to 100000000") }
    }

    /// A set number of rides is a data set to make, so it is made as fast as possible; an endless
    /// stream, and `run`'s live demo, keep real time.
    func pace(live: Bool) -> Double { speed ?? (live || rides == nil ? 1 : 0) }

    /// A finite stream that is not real time is history: its rides end at `now`, none in the
    /// future. Otherwise rides start at `now`, after `historyDays` of back-filled rides when asked.
    func simulator(now: LocalDateTime, speed: Double, historyDays: Int = 0) -> StreamSimulator {
        let seed = self.seed ?? UInt64.random(in: 1...UInt64.max)
        if let rides, speed != 1 {
            return StreamSimulator(seed: seed, bikes: bikes, rides: rides, endingAt: now,
                                   minSeconds: minRideSeconds, maxSeconds: maxRideSeconds)
        }
        guard historyDays > 0 else {
            return StreamSimulator(seed: seed, bikes: bikes, rides: rides, start: now, minSeconds: minRideSeconds, maxSeconds: maxRideSeconds)
        }
        let from = LocalDateTime(naiveMicroseconds: now.naiveMicroseconds - Int64(historyDays) * 86_400_000_000)
        return StreamSimulator(seed: seed, bikes: bikes, rides: rides, start: from, minSeconds: minRideSeconds,
                               maxSeconds: maxRideSeconds, openingHoursUntil: now)
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consume a stream into the warehouse and raise alerts.",
        discussion: """
            Sources: kafka (default), file:PATH (a JSONL capture in wire format; exits once it is fully ingested, \
            or keeps reading with --follow), simulator.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: .setting(.fileSource)) var source: String?
    @Flag(help: .setting(.follow)) var follow = false
    @Option(help: .setting(.rideIdleTimeout)) var rideIdleTimeout: Double?
    @Option(help: .setting(.maxLineBytes)) var maxLineBytes: Int?
    @OptionGroup(title: "Simulator") var simulation: SimulatorOptions
    @OptionGroup(title: "Kafka") var kafka: KafkaConnectionOptions
    @OptionGroup(title: "Kafka consumer") var kafkaConsumer: KafkaConsumerOptions
    @OptionGroup(title: "Notifications") var notifications: NotificationOptions
    @OptionGroup(title: "Metrics") var metrics: MetricsOptions
    @OptionGroup var statusOptions: StatusLineOptions
    @OptionGroup(title: "Retention") var retention: RetentionOptions
    @Option(help: .setting(.stallTimeout)) var stallTimeout: Double?

    func run() async throws {
        // Every setting is parsed and checked once, before anything is built: mistakes exit 2.
        let spec = try SourceSpec(Env.text(.fileSource, flag: source))
        let logger = try common.logger("deloton.ingest")
        let zone = try common.displayZone(), streamZone = try common.streamZone()
        let idle = try Self.idleTimeout(rideIdleTimeout)
        let lineLimit = try Self.maxLineBytes(maxLineBytes)
        let statusEvery = try statusOptions.every()
        if case .file(let path) = spec, !FileManager.default.fileExists(atPath: path) {
            throw CLIFailure.usage(FileSource.Missing(path: path).description)
        }
        var kafkaSettings = spec == .kafka ? try kafkaConsumer.settings(connection: kafka) : nil
        let notificationSettings = try notifications.checked(zone: zone)
        let stallLimit = try Self.stallTimeout(stallTimeout)
        let metricsPort = try metrics.port()
        let retentionSettings = try retention.checked()

        let watch = StallWatch(limit: stallLimit)
        kafkaSettings?.onLag = { watch.sourceBacklog($0) }
        _ = Metrics.bootstrapPrometheus()
        let endpoint = metrics.endpoint(port: metricsPort, logger: logger)
        let warehouse = try await common.openWarehouse(logger: logger, creates: true)
        let notify = NotificationOptions.make(notificationSettings, warehouse: warehouse, zone: zone, logger: logger, logRides: false)
        let shutdown = Shutdown()
        var runner = IngestRunner(warehouse: InstrumentedWarehouse(warehouse, watch: watch), logger: logger, shutdown: shutdown)
        let status = StatusLine(logger: logger, every: statusEvery)
        // A file on a terminal has its progress bar instead.
        let fileOnTerminal = Console.drawsInPlace && { if case .file = spec { true } else { false } }()
        runner.status = status
        runner.onCommitted = { committed in
            if !fileOnTerminal { status.add(committed) }
            notify.committed(committed)
        }
        // Stopped in reverse: the pipeline commits its batch, alerts due are sent, metrics last.
        var lifecycle = Lifecycle(logger: logger)
        if let endpoint { lifecycle.add(endpoint, name: "metrics", ready: endpoint.listening) }
        lifecycle.add(Liveness.watching(watch, reachability: WarehouseReachability(databaseURL: common.databaseURL), logger: logger),
                      name: "liveness")
        lifecycle.add(Retention.service(warehouse, retentionSettings, logger: logger), name: "retention")
        lifecycle.add(WarehouseGauges.service(warehouse, outbox: true, report: false, logger: logger), name: "warehouse gauges")
        // Only a dispatcher reads the change feed here; --no-notify opens no listener.
        if notify.dispatcher != nil, let listener = ChangeListenerGauge.service(warehouse) {
            lifecycle.add(listener, name: "change listener gauge")
        }
        lifecycle.add(notify, name: "alert delivery")
        let ingest = runner, follow = self.follow, simulation = self.simulation, consumer = kafkaSettings
        let started = ContinuousClock.now
        let stats = try await lifecycle.run("ingest") {
            try await withGracefulShutdownHandler {
                switch spec {
                case .file(let path):
                    var options = IngestOptions(streamZone: streamZone, rideIdleTimeout: follow ? idle : nil)
                    options.maxBatchDelay = follow ? .milliseconds(25) : .seconds(1)
                    options.maxLineBytes = lineLimit
                    return try await ingest.ingestFile(FileSource(path: path, follow: follow), options: options)
                case .simulator:
                    var options = IngestOptions(streamZone: streamZone, rideIdleTimeout: idle)
                    options.maxLineBytes = lineLimit
                    return try await ingest.ingestSimulator(simulation, options: options, live: false)
                case .kafka:
                    guard let consumer else { preconditionFailure("Kafka settings are read for --source kafka") }
                    var options = IngestOptions(streamZone: streamZone, rideIdleTimeout: idle)
                    options.maxLineBytes = lineLimit
                    return try await ingest.ingestKafka(consumer, options: options)
                }
            } onGracefulShutdown: {
                shutdown.request()
            }
        }
        Console.endStatus()
        try await warehouse.close()
        Console.out(IngestRunner.summary(stats, seconds: (ContinuousClock.now - started).inSeconds))
    }

    static func maxLineBytes(_ flag: Int?) throws -> Int {
        let text = Env.text(.maxLineBytes, flag: flag.map { String($0) })
        guard let bytes = Int(text), bytes >= 1024 else {
            throw CLIFailure.usage("\(flag: .maxLineBytes) must be a whole number of bytes, at least 1024 (got \(text))")
        }
        return bytes
    }

    static func stallTimeout(_ flag: Double?) throws -> Duration {
        let text = Env.text(.stallTimeout, flag: flag.map { String($0) })
        guard let seconds = Double(text), seconds > 0, seconds <= 604_800 else {
            throw CLIFailure.usage("\(flag: .stallTimeout) must be a number of seconds from 0 to 604800 (got \(text)) (\(variable: .stallTimeout))")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    static func idleTimeout(_ flag: Double?) throws -> Duration {
        let text = Env.text(.rideIdleTimeout, flag: flag.map { String($0) })
        // A week at most: beyond that no bike's silence means anything, and Int64 milliseconds stay exact.
        guard let seconds = Double(text), seconds > 0, seconds <= 604_800 else {
            throw CLIFailure.usage("\(flag: .rideIdleTimeout) must be a number of seconds from 0 to 604800 (got \(text))")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}

