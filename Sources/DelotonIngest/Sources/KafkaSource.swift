import DelotonCore
import DelotonKafka
import DelotonStore
import Foundation
import Logging
import Metrics
import Synchronization

/// How Kafka messages are cut into streams, the unit rides are assembled in.
public enum KafkaStreamBy: String, Sendable, CaseIterable {
    /// One stream per partition: the real stream's producer writes one bike per topic.
    case partition
    /// One stream per message key, as the simulator writes to Kafka (key = bike serial).
    case key
}

/// Where a partition the warehouse has never read starts.
public enum KafkaStartPoint: Sendable, Equatable {
    /// The group's committed offset, else the earliest one (default).
    case committedOrEarliest
    /// The earliest offset, whatever the group committed.
    case beginning
    /// Only messages produced from now on.
    case latest
}

public struct KafkaSourceSettings: Sendable {
    public var consumer: KafkaConsumerConfig
    public var streamBy: KafkaStreamBy
    public var startPoint: KafkaStartPoint
    /// Stop once every assigned partition is read to its end and nothing arrived for this long
    /// (for tests and batch jobs); open rides then end as at the end of a file.
    public var exitWhenIdle: Duration?
    public var maxPollMessages = 10_000
    /// Short, so batches still flush by age (`maxBatchDelay`) while the topic is quiet.
    public var pollTimeout: Duration = .milliseconds(20)
    /// How often offsets the warehouse holds are also committed to Kafka (for lag monitoring): every
    /// 5 s, as Kafka clients auto-commit. Each commit is a write the broker stores; the warehouse,
    /// not Kafka, is where a restart resumes from, so committing more often gains nothing.
    public var commitInterval: Duration = .seconds(5)
    /// How often lag and throughput are logged and published.
    public var reportInterval: Duration = .seconds(10)
    /// Messages the poller may read ahead of the pipeline.
    public var readAhead = 20_000
    /// Sees each message the pipeline takes, after it took it (benchmarks measure latency with it).
    package var onAccepted: (@Sendable (KafkaMessageBatch.Record) -> Void)?
    /// Awaited once, after the group gave this process its first partitions and before any is read
    /// (benchmarks let a broker on the same machine finish the work the group join gave it).
    package var beforeReading: (@Sendable () async -> Void)?
    /// Told the consumer lag (messages on assigned partitions not yet read) every `reportInterval`;
    /// the liveness check uses it to know that input is waiting.
    public var onLag: (@Sendable (Int64) -> Void)?
    /// Told once, with streams by partition, when one partition carried this many distinct
    /// message keys and most lines were quarantined: the topic looks keyed per bike, so its
    /// streams are probably the keys. The caller says how to choose that.
    public var onKeyedStreams: (@Sendable (Int) -> Void)?

    public init(consumer: KafkaConsumerConfig, streamBy: KafkaStreamBy = .partition,
                startPoint: KafkaStartPoint = .committedOrEarliest, exitWhenIdle: Duration? = nil) {
        self.consumer = consumer
        self.streamBy = streamBy
        self.startPoint = startPoint
        self.exitWhenIdle = exitWhenIdle
    }

    public var topic: String { consumer.topics.first ?? "" }
}

/// A Kafka topic as a live source.
///
/// The warehouse, not Kafka, is the source of truth for progress: each partition's next offset
/// is saved in the transaction that writes what was read from it, and a partition this process
/// is given starts there. A crash or a rebalance therefore neither skips nor duplicates
/// anything; offsets are also committed to Kafka afterwards, only so lag tools see progress.
public struct KafkaSource: Sendable {
    public let settings: KafkaSourceSettings

    public init(settings: KafkaSourceSettings) {
        self.settings = settings
    }

    /// `kafka:TOPIC/`: the prefix of every source and stream name of the topic. A partition's
    /// source (position) name is this and its number (`PartitionBook`), also its stream name with
    /// `--stream-by partition`; keyed streams are named by `KeyedStreamNames`.
    public static func prefix(topic: String) -> String { "kafka:\(topic)/" }

    /// Consumes until `stop` (SIGINT/SIGTERM: what was read is written, rides stay open and resume
    /// on the next start) or, with `exitWhenIdle`, until the topic is read to its end.
    public func run(warehouse: any Warehouse, options: IngestOptions, logger: Logger,
                    onCommitted: @escaping @Sendable (CommittedBatch) async throws -> Void = { _ in },
                    stop: @escaping @Sendable () -> Bool = { false }) async throws -> IngestStats {
        let settings = self.settings
        let topic = settings.topic
        let prefix = Self.prefix(topic: topic)
        let progress = KafkaProgress(topic: topic)
        let feed = KafkaFeed(capacity: settings.readAhead)
        let consumer = try KafkaConsumer(config: settings.consumer, logger: logger) { event in
            feed.rebalance(event) {
                // The pipeline has stopped: hand over what the warehouse already holds.
                guard case .revoked(let partitions) = event else { return [:] }
                return progress.revoke(partitions)
            }
        }
        // Readings and rides are counted by whoever runs the pipeline, alike for every source.
        let committed: @Sendable (CommittedBatch) async throws -> Void = { batch in
            progress.record(batch)
            try await onCommitted(batch)
        }
        let instance = settings.consumer.groupInstanceID ?? "dynamic"
        logger.info("reading Kafka topic \(topic) as group \(settings.consumer.groupID) (instance \(instance), streams by \(settings.streamBy.rawValue))")

        let poller = Task {
            await Self.poll(consumer, feed: feed, progress: progress, settings: settings, logger: logger, stop: stop)
        }

        var driver = IngestDriver(warehouse: warehouse, options: options, logger: logger, partitionPrefix: prefix,
                                  onCommitted: committed)
        var failure: (any Error)?
        do {
            var reader = KafkaReader(settings: settings)
            while let item = await feed.next() {
                switch item {
                case .idle:
                    try await driver.idle()
                case .messages(let batch, _):
                    reader.read(batch, into: &driver)
                    // Group commit: what arrived while the last write ran goes out together as soon
                    // as nothing more is waiting, so a quiet topic is written at once and a busy
                    // one in batches as large as the writer's pace makes them.
                    try await driver.idle(caughtUp: feed.isCaughtUp)
                case .rebalance(let event, let reply):
                    do {
                        reply.answer(try await reader.rebalance(event, driver: &driver, progress: progress, logger: logger))
                    } catch {
                        reply.answer(nil)
                        throw error
                    }
                }
            }
            switch feed.end {
            case .success(.idle)?:
                logger.info("Kafka topic \(topic) read to its end and idle: ending open rides and stopping")
                try await driver.finish()
            case .failure(let error)?:
                try? await driver.drain()
                throw error
            case .success(.stopped)?, nil:
                try await driver.drain()
            }
        } catch {
            failure = error
        }
        feed.close()
        await poller.value
        // Leave lag tools an accurate picture, then leave the group so partitions move at once.
        let offsets = progress.takeUncommitted()
        if !offsets.isEmpty {
            do throws(KafkaError) {
                try await consumer.commit(offsets)
            } catch {
                logger.warning("could not commit final offsets to Kafka (\(error.message)); the warehouse holds them")
            }
        }
        await consumer.close()
        if let failure { throw failure }
        return driver.stats
    }

    /// The poller: reads batches, hands them over, commits offsets, reports lag, decides when idle.
    private static func poll(_ consumer: KafkaConsumer, feed: KafkaFeed, progress: KafkaProgress,
                             settings: KafkaSourceSettings, logger: Logger, stop: @Sendable () -> Bool) async {
        let clock = ContinuousClock()
        var lastCommit = clock.now
        var lastReport = clock.now
        var lastActivity = clock.now
        var lastIdleCheck = clock.now
        var lastUnreachableLog: ContinuousClock.Instant?
        var reporter = KafkaLagReporter(topic: settings.topic, logger: logger)
        while !stop(), !feed.isClosed {
            let generation = feed.generation
            let batch: KafkaMessageBatch
            do {
                batch = try await consumer.poll(maxMessages: settings.maxPollMessages, timeout: settings.pollTimeout)
            } catch where error.kind == .brokersUnreachable {
                // Not a setting a person got wrong: keep trying, and say so now and then.
                if lastUnreachableLog.map({ clock.now - $0 >= .seconds(30) }) ?? true {
                    logger.error("\(error.message); still retrying")
                    lastUnreachableLog = clock.now
                }
                try? await Task.sleep(for: .milliseconds(200))
                continue
            } catch {
                feed.finishInput(.failure(error))
                return
            }
            let now = clock.now
            if lastUnreachableLog != nil, !batch.isEmpty {
                logger.info("Kafka brokers reachable again")
                lastUnreachableLog = nil
            }
            let rebalanced = feed.generation != generation
            if rebalanced || !batch.isEmpty { lastActivity = now }
            if batch.isEmpty {
                await feed.push(.idle, messageCount: 0)
            } else {
                progress.countPolled(batch.count)
                await feed.push(.messages(batch, rebalanced: rebalanced), messageCount: batch.count)
            }
            if now - lastCommit >= settings.commitInterval {
                lastCommit = now
                let offsets = progress.takeUncommitted()
                do throws(KafkaError) {
                    try await consumer.commit(offsets)
                } catch {
                    // Harmless: the warehouse holds the offsets; the next commit carries them again.
                    progress.restoreUncommitted(offsets)
                    logger.debug("Kafka commit skipped: \(error.message)")
                }
            }
            if now - lastReport >= settings.reportInterval {
                let lag = try? await consumer.lag()
                reporter.report(lag: lag, progress: progress.snapshot(), seconds: (now - lastReport).inSeconds)
                if let lag { settings.onLag?(lag.filter { $0.key.topic == settings.topic }.values.reduce(0, +)) }
                lastReport = now
            }
            if let idle = settings.exitWhenIdle, now - lastActivity >= idle, now - lastIdleCheck >= .milliseconds(500) {
                lastIdleCheck = now
                // Only when the broker agrees that nothing is left, not merely that nothing came.
                if let lag = try? await consumer.lag(), !lag.isEmpty, lag.values.allSatisfy({ $0 == 0 }) {
                    feed.finishInput(.success(.idle))
                    return
                }
            }
        }
        feed.finishInput(.success(.stopped))
    }
}

/// librdkafka's logical offsets, for assigning a partition at either end.
enum KafkaOffset {
    static let beginning: Int64 = -2
    static let end: Int64 = -1
}

/// What the pipeline has committed, shared with the poller (which commits it to Kafka) and
/// with the rebalance handler once the driver has stopped (which commits it before partitions go).
final class KafkaProgress: Sendable {
    struct Snapshot {
        var messagesPolled = 0
        var readingsCommitted = 0
    }

    private struct State {
        var positions: [Int32: Int64] = [:]
        var uncommitted = Set<Int32>()
        var owned = Set<Int32>()
        var snapshot = Snapshot()
    }

    private let topic: String
    private let prefix: String
    private let state = Mutex(State())

    init(topic: String) {
        self.topic = topic
        self.prefix = KafkaSource.prefix(topic: topic)
    }

    func record(_ batch: CommittedBatch) {
        state.withLock { s in
            s.snapshot.readingsCommitted += batch.readings
            for (source, position) in batch.positions where source.hasPrefix(prefix) {
                guard let partition = Int32(source.dropFirst(prefix.count)) else { continue }
                s.positions[partition] = position
                s.uncommitted.insert(partition)
            }
        }
    }

    func countPolled(_ n: Int) { state.withLock { $0.snapshot.messagesPolled += n } }

    func snapshot() -> Snapshot { state.withLock { $0.snapshot } }

    /// Newly owned partitions; those the warehouse has read are committed to Kafka soon, so lag
    /// is right even when nothing more arrives on them.
    func assign(_ partitions: [KafkaTopicPartition], saved: [Int32: Int64]) {
        state.withLock { s in
            for p in partitions where p.topic == topic { s.owned.insert(p.partition) }
            for (partition, position) in saved {
                s.positions[partition] = position
                s.uncommitted.insert(partition)
            }
        }
    }

    /// The offsets to commit as `partitions` go; they are no longer committed from here.
    @discardableResult
    func revoke(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        state.withLock { s in
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for p in partitions where p.topic == topic {
                if let position = s.positions[p.partition] { offsets[p] = position }
                s.owned.remove(p.partition)
                s.uncommitted.remove(p.partition)
            }
            return offsets
        }
    }

    func takeUncommitted() -> [KafkaTopicPartitionOffset] {
        state.withLock { s in
            let offsets = s.uncommitted.filter { s.owned.contains($0) }.compactMap { partition in
                s.positions[partition].map { KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: $0) }
            }
            s.uncommitted.removeAll()
            return offsets.sorted { $0.partition < $1.partition }
        }
    }

    func restoreUncommitted(_ offsets: [KafkaTopicPartitionOffset]) {
        state.withLock { s in
            for offset in offsets where s.owned.contains(offset.partition) { s.uncommitted.insert(offset.partition) }
        }
    }
}

/// Logs consumer lag and throughput, and publishes them as metrics.
struct KafkaLagReporter {
    let topic: String
    let logger: Logger
    private var gauges: [Int32: Gauge] = [:]
    private var previous = KafkaProgress.Snapshot()

    init(topic: String, logger: Logger) {
        self.topic = topic
        self.logger = logger
    }

    mutating func report(lag: [KafkaTopicPartition: Int64]?, progress: KafkaProgress.Snapshot, seconds: Double) {
        let messages = Double(progress.messagesPolled - previous.messagesPolled) / max(seconds, 0.001)
        let readings = Double(progress.readingsCommitted - previous.readingsCommitted) / max(seconds, 0.001)
        previous = progress
        var lagText = "unknown"
        if let lag {
            for (p, value) in lag where p.topic == topic {
                let gauge = gauges[p.partition] ?? Gauge(label: "deloton_kafka_consumer_lag_messages",
                                                         dimensions: [("topic", topic), ("partition", String(p.partition))])
                gauges[p.partition] = gauge
                gauge.record(value)
            }
            let total = lag.values.reduce(0, +)
            let parts = lag.keys.sorted().map { "\($0.partition): \(lag[$0] ?? 0)" }.joined(separator: ", ")
            lagText = "\(total)" + (parts.isEmpty ? " (no partitions assigned)" : " (\(parts))")
        }
        // Debug: the command's status line carries the lag; this is the detail per partition.
        logger.debug("Kafka \(topic): \(Int(messages.rounded())) messages/s read, \(Int(readings.rounded())) readings/s written, lag \(lagText)")
    }
}

