import DelotonCore
import DelotonIngest
import DelotonKafka
import DelotonStore
import Foundation
import Logging

/// Runs a source through the pipeline with progress on the terminal. Shared by `ingest` and `run`.
struct IngestRunner {
    let warehouse: any Warehouse
    let logger: Logger
    let shutdown: Shutdown
    var onCommitted: @Sendable (CommittedBatch) async throws -> Void = { _ in }

    func ingestFile(_ file: FileSource, options: IngestOptions) async throws -> IngestStats {
        var pipeline = IngestPipeline(warehouse: warehouse, options: options, logger: logger, onCommitted: onCommitted)
        let total = file.size ?? 0
        let clock = ContinuousClock(), started = clock.now
        var lastDraw = started
        let shutdown = self.shutdown
        try await file.run(into: &pipeline, stop: { shutdown.isRequested }) { bytes, stats in
            let now = clock.now
            guard now - lastDraw > .milliseconds(250) else { return }
            lastDraw = now
            let rate = Double(stats.readings) / max(0.001, (now - started).seconds)
            let fraction = total > 0 ? Double(bytes) / Double(total) : 0
            Console.status("\(Console.bar(fraction: fraction)) \(Console.megabytes(bytes)) of \(Console.megabytes(total))  "
                           + "\(Console.count(Int(rate))) readings/s")
        }
        if shutdown.isRequested { try await pipeline.drainAndWait() } else { try await pipeline.finish() }
        Console.endStatus()
        return pipeline.stats
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
        var pipeline = IngestPipeline(warehouse: warehouse, options: options, logger: logger, onCommitted: onCommitted)
        let simulator = sim.simulator(now: now, speed: speed, historyDays: historyDays)
        // A history is written at once and then goes live; any other stream is paced from its first line.
        var source = SimulatorSource(simulator: simulator, speed: speed > 0 ? speed : nil,
                                     liveFrom: historyDays > 0 ? now : simulator.nextLineTime ?? now)
        try await pipeline.resumeOpenRides(streamPrefix: SimulatorSource.sourceName)
        let shutdown = self.shutdown
        try await source.run(into: &pipeline, stop: { shutdown.isRequested }, caughtUp: caughtUp)
        if shutdown.isRequested { try await pipeline.drainAndWait() } else { try await pipeline.finish() }
        return pipeline.stats
    }

    /// Consumes Kafka until SIGINT/SIGTERM (or, with `--exit-when-idle`, the topic's end).
    func ingestKafka(_ settings: KafkaSourceSettings, options: IngestOptions) async throws -> IngestStats {
        let shutdown = self.shutdown
        do {
            return try await KafkaSource(settings: settings).run(warehouse: warehouse, options: options, logger: logger,
                                                                 onCommitted: onCommitted, stop: { shutdown.isRequested })
        } catch let error as KafkaError {
            throw error.cliFailure
        }
    }

    static func summary(_ s: IngestStats, seconds: Double) -> String {
        "ingested \(Console.count(s.readings)) readings in \(Console.count(s.ridesEnded)) finished rides, "
            + "\(Console.count(s.quarantined)) lines quarantined, \(Console.count(s.alerts)) alerts, "
            + "\(Console.count(s.lines)) lines in \(String(format: "%.1f", seconds)) s"
    }
}
