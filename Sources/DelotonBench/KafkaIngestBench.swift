import DelotonCore
import DelotonIngest
import DelotonKafka
import DelotonStore
import Foundation
import Logging
import Synchronization

/// The Kafka benchmarks behind `deloton bench kafka`: Kafka → SQLite throughput next to
/// file → SQLite on the same stream, and produce → warehouse-commit latency of live bikes.
public enum KafkaIngestBench {
    /// Rates of alternating rounds (file, then Kafka), so a disturbance on the shared machine
    /// lands in one round rather than in one side of the comparison.
    public struct Throughput: Sendable {
        public var readings: Int
        public var fileSeconds: [Double] = []
        public var kafkaSeconds: [Double] = []
        /// Per timed run, the seconds it waited for an idle machine; nil when the machine stayed
        /// busy for 30 s and it started anyway.
        public var settleWaits: [Double?] = []
        public var settleSeconds: Double { settleWaits.compactMap { $0 }.reduce(0, +) }
        public var unsettledRuns: Int { settleWaits.filter { $0 == nil }.count }
        public var fileRate: Double { Double(readings) / median(fileSeconds) }
        public var kafkaRate: Double { Double(readings) / median(kafkaSeconds) }
        /// Kafka's rate as a share of the file's, per round.
        public var ratios: [Double] { zip(fileSeconds, kafkaSeconds).map { $0 / $1 } }

        private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    }

    public struct Latency: Sendable {
        public var messages: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double
    }

    /// Runs both and returns the lines to print.
    public static func run(brokers: String, readings: Int, rounds: Int, bikes: Int, seconds: Int, directory: String,
                           logger: Logger) async throws -> [String] {
        let t = try await throughput(brokers: brokers, readings: readings, rounds: rounds, directory: directory, logger: logger)
        let l = try await latency(brokers: brokers, bikes: bikes, seconds: seconds, directory: directory, logger: logger)
        let ratios = t.ratios.map { String(format: "%.0f %%", 100 * $0) }.joined(separator: ", ")
        let settled = t.unsettledRuns == 0
            ? String(format: "every timed run began on an idle machine (%.1f s of waiting in all)", t.settleSeconds)
            : "\(t.unsettledRuns) of the timed runs began while the machine was busy: their figures include other work"
        return [
            String(format: "file → sqlite:   %10.0f readings/s (%d readings, median of %d rounds)", t.fileRate, t.readings, rounds),
            String(format: "kafka → sqlite:  %10.0f readings/s (first message to last commit) = %.0f %% of file; per round: %@",
                   t.kafkaRate, 100 * t.kafkaRate / t.fileRate, ratios),
            settled,
            String(format: "kafka latency, %d bikes in real time for %d s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d messages, produce → warehouse commit)",
                   bikes, seconds, l.p50Milliseconds, l.p99Milliseconds, l.maxMilliseconds, l.messages),
        ]
    }

    /// The stream `IngestBench.generate` writes to a file, produced once to a one-partition topic
    /// (key = bike); each round ingests the file, then the topic with `--stream-by key` as a new group.
    /// `settle` waits for an idle machine before each timed run (tests, which share it, do not).
    public static func throughput(brokers: String, readings: Int, rounds: Int, directory: String, settle: Bool = true,
                                  logger: Logger) async throws -> Throughput {
        let file = directory + "/kafka-bench.jsonl"
        _ = try IngestBench.generate(readings: readings, to: file)
        let config = KafkaConfig(brokers: brokers, clientID: "deloton-bench")
        let topic = "deloton-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await KafkaSink.prepareTopic(topic, partitions: 1, config: config, logger: logger)
        let sink = try KafkaSink(config: config, topic: topic, logger: logger)
        // The same simulator settings as IngestBench.generate, so the streams are equal.
        var sim = StreamSimulator(seed: 42, bikes: 50, rides: readings / 430 + 1,
                                  start: LocalDateTime(year: 2026, month: 6, day: 1, hour: 6, minute: 0, second: 0))
        while let line = sim.next() { try await sink.send(line.text, bike: line.bike) }
        _ = try await sink.finish()

        var result = Throughput(readings: 0)
        // Each timed run starts on an idle machine: the broker shares its two cores, and after
        // each group change noida-db spends seconds of a core rewriting its store, which would
        // otherwise land in whichever run comes next. The Kafka run waits after joining its group.
        let waits = Mutex<[Double?]>([])
        let waitForIdle: @Sendable () async -> Void = {
            guard settle else { return }
            let waited = await QuietMachine.wait()
            waits.withLock { $0.append(waited) }
        }
        for round in 1...max(1, rounds) {
            let fileWarehouse = try await Warehouses.open("sqlite:" + directory + "/file-\(round).sqlite", logger: logger)
            await waitForIdle()
            let fileRun = try await IngestBench.ingest(file, into: fileWarehouse, logger: logger)
            try await fileWarehouse.close()
            let kafkaWarehouse = try await Warehouses.open("sqlite:" + directory + "/kafka-\(round).sqlite", logger: logger)
            let kafkaSeconds = try await ingest(topic: topic, group: topic + "-\(round)", config: config,
                                                expected: fileRun.stats.readings, into: kafkaWarehouse, logger: logger,
                                                beforeReading: waitForIdle)
            try await kafkaWarehouse.close()
            result.readings = fileRun.stats.readings
            result.fileSeconds.append(fileRun.seconds)
            result.kafkaSeconds.append(kafkaSeconds)
        }
        result.settleWaits = waits.withLock { $0 }
        return result
    }

    /// Reads the topic to its end as a new group; seconds from the first message taken to the
    /// commit that completes `expected` readings. `beforeReading` runs once the group is joined.
    static func ingest(topic: String, group: String, config: KafkaConfig, expected: Int, into warehouse: any Warehouse,
                       logger: Logger, beforeReading: @escaping @Sendable () async -> Void = {}) async throws -> Double {
        let clock = ContinuousClock()
        let marks = Mutex<(first: ContinuousClock.Instant?, done: ContinuousClock.Instant?, readings: Int)>((nil, nil, 0))
        var settings = KafkaSourceSettings(
            consumer: KafkaConsumerConfig(config: config, groupID: group, groupInstanceID: "bench-1", topics: [topic]),
            streamBy: .key, exitWhenIdle: .seconds(1))
        settings.beforeReading = beforeReading
        settings.onAccepted = { _ in marks.withLock { if $0.first == nil { $0.first = clock.now } } }
        var options = IngestOptions(streamZone: Zone(identifier: "Europe/London") ?? .utc)
        options.maxBatchDelay = .seconds(1)
        let stats = try await KafkaSource(settings: settings).run(warehouse: warehouse, options: options, logger: logger,
                                                                  onCommitted: { batch in
            marks.withLock { m in
                m.readings += batch.readings
                if m.readings >= expected, m.done == nil { m.done = clock.now }
            }
        })
        let (first, done, _) = marks.withLock { $0 }
        guard stats.readings == expected, let first, let done else {
            throw BenchFailure("Kafka ingest wrote \(stats.readings) readings, the file ingest \(expected)")
        }
        return (done - first).inSeconds
    }

    /// `bikes` bikes ride in real time for `seconds`; each message's latency is from its
    /// producer timestamp to the commit of the warehouse transaction that holds it.
    public static func latency(brokers: String, bikes: Int, seconds: Int, directory: String, logger: Logger) async throws -> Latency {
        let config = KafkaConfig(brokers: brokers, clientID: "deloton-bench")
        let topic = "deloton-bench-live-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await KafkaSink.prepareTopic(topic, partitions: 1, config: config, logger: logger)
        let recorder = LatencyRecorder(prefix: KafkaSource.prefix(topic: topic))
        let stopping = Atomic<Bool>(false)
        var settings = KafkaSourceSettings(
            consumer: KafkaConsumerConfig(config: config, groupID: topic, groupInstanceID: "bench-1", topics: [topic]),
            streamBy: .key)
        settings.onAccepted = { recorder.accepted($0) }
        // Timed at the warehouse: the pipeline reports a commit only when it flushes the next batch.
        let warehouse = CommitTimingWarehouse(
            base: try await Warehouses.open("sqlite:" + directory + "/kafka-bench-live.sqlite", logger: logger),
            onCommit: { recorder.committed($0) })
        let options = IngestOptions(streamZone: Zone(identifier: "Europe/London") ?? .utc, rideIdleTimeout: .seconds(60))
        let consumer = Task {
            try await KafkaSource(settings: settings).run(warehouse: warehouse, options: options, logger: logger,
                                                          stop: { stopping.load(ordering: .relaxed) })
        }
        // The bikes' producer is long-lived in real life: it has its connection and the topic's
        // metadata before the clock starts (a line the assembler ignores gets them). Meanwhile the
        // consumer joins.
        let sink = try KafkaSink(config: config, topic: topic, logger: logger)
        try await sink.send("--------- beginning of main", bike: "WARM-UP")
        try await sink.flush()
        try await Task.sleep(for: .seconds(3))
        recorder.start()
        try await produceLive(sink, bikes: bikes, seconds: seconds)
        try await Task.sleep(for: .seconds(1))
        stopping.store(true, ordering: .relaxed)
        _ = try await consumer.value
        try await warehouse.close()
        return recorder.summary()
    }

    /// Each bike its own simulator, started within the first second, lines sent when due.
    static func produceLive(_ sink: KafkaSink, bikes: Int, seconds: Int) async throws {
        let zone = Zone(identifier: "Europe/London") ?? .utc
        let now = SimulatorSource.now(in: zone)
        var riders = (0..<bikes).map { b in
            StreamSimulator(seed: UInt64(b + 1), bikes: 1, rides: nil,
                            start: LocalDateTime(naiveMicroseconds: now.naiveMicroseconds + Int64(b) * 1_000_000 / Int64(max(1, bikes))))
        }
        var next = riders.indices.map { riders[$0].next() }
        let clock = ContinuousClock()
        let began = clock.now
        let end = began + .seconds(seconds)
        while clock.now < end {
            let elapsed = (clock.now - began).wholeMicroseconds
            let dueBefore = now.naiveMicroseconds + elapsed
            for b in riders.indices {
                while let line = next[b], line.time.naiveMicroseconds <= dueBefore {
                    try await sink.send(line.text, bike: "BENCH\(b)")
                    next[b] = riders[b].next()
                }
            }
            try await clock.sleep(for: .milliseconds(5))
        }
        _ = try await sink.finish()
    }

    struct BenchFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// A warehouse that tells when each batch's transaction has committed.
struct CommitTimingWarehouse: Warehouse {
    let base: any Warehouse
    let onCommit: @Sendable ([String: Int64]) -> Void

    var kind: WarehouseKind { base.kind }
    var sql: any SQLExecutor { base.sql }
    var staging: any ProfileStaging { base.staging }
    var changes: any ChangeFeed { base.changes }
    func migrate() async throws -> [String] { try await base.migrate() }
    func write(_ batch: IngestBatch) async throws -> WriteOutcome {
        let outcome = try await base.write(batch)
        onCommit(batch.positions)
        return outcome
    }
    func openRides(streamPrefix: String) async throws -> [OpenRide] { try await base.openRides(streamPrefix: streamPrefix) }
    func sourcePositions(prefix: String) async throws -> [String: Int64] { try await base.sourcePositions(prefix: prefix) }
    func purgeReadings(ofRidesStartedBefore cutoff: Instant) async throws -> Int {
        try await base.purgeReadings(ofRidesStartedBefore: cutoff)
    }
    func close() async throws { try await base.close() }
}

/// Matches accepted messages to the commits that hold them.
final class LatencyRecorder: Sendable {
    private struct State {
        var waiting: [Int32: [(offset: Int64, timestamp: Int64)]] = [:]
        var latencies: [Double] = []
    }

    private let prefix: String
    private let state = Mutex(State())
    /// Messages produced before this (epoch ms) are warm-up, not measured.
    private let since = Atomic<Int64>(.max)

    init(prefix: String) { self.prefix = prefix }

    func start() { since.store(Int64(Date().timeIntervalSince1970 * 1000), ordering: .relaxed) }

    func accepted(_ message: KafkaMessageBatch.Record) {
        guard let timestamp = message.timestamp, timestamp >= since.load(ordering: .relaxed) else { return }
        state.withLock { $0.waiting[message.partition, default: []].append((message.offset, timestamp)) }
    }

    func committed(_ positions: [String: Int64]) {
        let nowMs = Date().timeIntervalSince1970 * 1000
        state.withLock { s in
            for (source, position) in positions where source.hasPrefix(prefix) {
                guard let partition = Int32(source.dropFirst(prefix.count)), var list = s.waiting[partition] else { continue }
                let done = list.prefix { $0.offset < position }
                s.latencies += done.map { nowMs - Double($0.timestamp) }
                list.removeFirst(done.count)
                s.waiting[partition] = list
            }
        }
    }

    func summary() -> KafkaIngestBench.Latency {
        let sorted = state.withLock { $0.latencies }.sorted()
        func at(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        return KafkaIngestBench.Latency(messages: sorted.count, p50Milliseconds: at(0.5), p99Milliseconds: at(0.99),
                                        maxMilliseconds: sorted.last ?? .nan)
    }
}

