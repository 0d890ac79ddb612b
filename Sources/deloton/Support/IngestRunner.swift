import DelotonCore
import DelotonIngest
import DelotonKafka
import DelotonStore
import Foundation
import Logging
import Synchronization

/// Runs a source through the pipeline with progress on the terminal. Shared by `ingest` and `run`.
struct IngestRunner {
    let warehouse: any Warehouse
    let logger: Logger
    let shutdown: Shutdown
    var onCommitted: @Sendable (CommittedBatch) async throws -> Void = { _ in }
    /// Shown the Kafka lag and the `--stream-by key` hint.
    var status: StatusLine?

    func ingestFile(_ file: FileSource, options: IngestOptions) async throws -> IngestStats {
        var driver = IngestDriver(warehouse: warehouse, options: options, logger: logger, onCommitted: onCommitted)
        let total = file.size ?? 0
        let clock = ContinuousClock(), started = clock.now
        var lastDraw = started
        let shutdown = self.shutdown
        try await file.run(into: &driver, stop: { shutdown.isRequested }) { bytes, stats in
            let now = clock.now
            guard now - lastDraw > .milliseconds(250) else { return }
            lastDraw = now
            let seconds = max(0.001, (now - started).inSeconds)
            let rate = Double(stats.readings) / seconds
            let fraction = total > 0 ? min(1, Double(bytes) / Double(total)) : 0
            // The rest of the file at the pace so far; unknown until a first part is read.
            let eta = fraction > 0.001 ? "  ETA " + Console.duration(seconds * (1 - fraction) / fraction) : ""
            Console.status("\(Console.bar(fraction: fraction)) \(Console.megabytes(bytes)) of \(Console.megabytes(total))  "
                           + "\(Console.count(Int(rate))) readings/s" + eta)
        }
        if shutdown.isRequested { try await driver.drain() } else { try await driver.finish() }
        Console.endStatus()
        return driver.stats
    }

    /// `historyDays` of back-filled rides come first (`run` on an empty warehouse): their alerts
    /// are recorded, never mailed, and `caughtUp` hears when they are all committed.
    func ingestSimulator(_ sim: SimulatorOptions, options: IngestOptions, live: Bool, historyDays: Int = 0,
                         caughtUp: @escaping (IngestStats) async -> Void = { _ in }) async throws -> IngestStats {
        var options = options
        var zone = options.streamZone
        let now = SimulatorSource.now(in: zone)
        if historyDays > 0 { options.mailAlertsFrom = zone.instant(of: now) }
        let speed = sim.pace(live: live)
        var driver = IngestDriver(warehouse: warehouse, options: options, logger: logger, onCommitted: onCommitted)
        let simulator = sim.simulator(now: now, speed: speed, historyDays: historyDays)
        // A history is written at once and then goes live; any other stream is paced from its first line.
        var source = SimulatorSource(simulator: simulator, speed: speed > 0 ? speed : nil,
                                     liveFrom: historyDays > 0 ? now : simulator.nextLineTime ?? now)
        try await driver.resumeOpenRides(streamPrefix: SimulatorSource.sourceName)
        let shutdown = self.shutdown
        try await source.run(into: &driver, stop: { shutdown.isRequested }, caughtUp: caughtUp)
        if shutdown.isRequested { try await driver.drain() } else { try await driver.finish() }
        return driver.stats
    }

    /// Consumes Kafka until SIGINT/SIGTERM (or, with `--exit-when-idle`, the topic's end).
    func ingestKafka(_ settings: KafkaSourceSettings, options: IngestOptions) async throws -> IngestStats {
        let shutdown = self.shutdown, status = self.status, logger = self.logger
        var settings = settings
        let keyed = Mutex(false)
        let hint = "most lines could not be put in a ride, and Kafka partitions carry several message keys each: "
            + "the topic looks keyed per bike (as `deloton simulate` writes it); read it with \(flag: .streamBy) key (\(variable: .streamBy)=key)"
        settings.onKeyedStreams = { keys in
            keyed.withLock { $0 = true }
            status?.keyedStreams()
            logger.warning("\(hint) (\(keys) distinct keys seen in one partition)")
        }
        let onLag = settings.onLag
        settings.onLag = { lag in
            onLag?(lag)
            status?.lag(lag)
        }
        let stats: IngestStats
        do {
            stats = try await KafkaSource(settings: settings).run(warehouse: warehouse, options: options, logger: logger,
                                                                  onCommitted: onCommitted, stop: { shutdown.isRequested })
        } catch let error as KafkaError {
            throw error.cliFailure
        }
        // Said again last, where whoever ran the command looks first.
        if keyed.withLock({ $0 }) { logger.warning("\(hint)") }
        return stats
    }

    static func summary(_ s: IngestStats, seconds: Double) -> String {
        // A replay is told apart from new data: the warehouse says which readings it held already.
        let stored = s.readings - s.newReadings
        let readings = stored > 0
            ? "\(Console.count(s.newReadings)) new readings (\(Console.count(stored)) already stored)"
            : "\(Console.count(s.readings)) readings"
        return "ingested \(readings) in \(Console.count(s.ridesEnded)) finished rides, "
            + "\(Console.count(s.quarantined)) lines quarantined, \(Console.count(s.alerts)) alerts, "
            + "\(Console.count(s.lines)) lines in \(String(format: "%.1f", seconds)) s"
    }
}
