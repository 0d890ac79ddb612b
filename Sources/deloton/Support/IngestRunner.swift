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

    func ingestSimulator(_ sim: SimulatorOptions, options: IngestOptions, status: (@Sendable (IngestStats) -> Void)? = nil) async throws -> IngestStats {
        var pipeline = IngestPipeline(warehouse: warehouse, options: options, logger: logger, onCommitted: onCommitted)
        var source = SimulatorSource(simulator: sim.simulator(start: SimulatorSource.now(in: options.streamZone)),
                                     speed: sim.speed > 0 ? sim.speed : nil)
        try await pipeline.resumeOpenRides(streamPrefix: SimulatorSource.sourceName)
        let shutdown = self.shutdown
        try await source.run(into: &pipeline, stop: { shutdown.isRequested })
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
