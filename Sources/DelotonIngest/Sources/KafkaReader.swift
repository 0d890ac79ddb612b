import DelotonKafka
import Logging

/// Turns what the Kafka feed hands over into the driver's events: a poll's messages into lines of
/// their streams, a rebalance into partitions revoked or assigned, answered with the offsets
/// librdkafka is to commit or start at. Runs on the driver's task.
struct KafkaReader {
    let settings: KafkaSourceSettings
    let topic: String
    private var keyed: KeyedStreamNames
    private var detector = KeyedStreamDetector()
    private var beforeReading: (@Sendable () async -> Void)?

    init(settings: KafkaSourceSettings) {
        self.settings = settings
        topic = settings.topic
        keyed = .byMessageKey(topic: settings.topic)
        beforeReading = settings.beforeReading
    }

    mutating func read(_ batch: KafkaMessageBatch, into driver: inout IngestDriver) {
        for i in batch.indices {
            let partition = batch.records[i].partition, offset = batch.records[i].offset
            guard let source = driver.take(partition: partition, offset: offset) else { continue }
            let stream = settings.streamBy == .key ? batch.withKey(i) { keyed.name($0, fallback: source) } : source
            if settings.streamBy == .partition { batch.withKey(i) { detector.observe(partition: partition, key: $0) } }
            batch.withValue(i) { driver.line($0, source: source, position: offset, stream: stream) }
            settings.onAccepted?(batch.records[i])
        }
        if settings.streamBy == .partition, !detector.reported {
            let stats = driver.stats
            if let keys = detector.evidence(lines: stats.lines, quarantined: stats.quarantined) {
                settings.onKeyedStreams?(keys)
            }
        }
    }

    /// Everything taken so far is written before partitions change hands (the driver sees to it).
    mutating func rebalance(_ event: KafkaRebalance, driver: inout IngestDriver, progress: KafkaProgress,
                            logger: Logger) async throws -> [KafkaTopicPartition: Int64] {
        switch event {
        case .revoked(let partitions):
            let read = try await driver.revoked(partitions.filter { $0.topic == topic }.map(\.partition))
            progress.revoke(partitions)
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for (partition, offset) in read { offsets[KafkaTopicPartition(topic: topic, partition: partition)] = offset }
            return offsets
        case .assigned(let partitions):
            if let wait = beforeReading {
                beforeReading = nil
                await wait()
            }
            let ours = partitions.filter { $0.topic == topic }
            let saved = try await driver.assigned(ours.map(\.partition))
            var starts: [KafkaTopicPartition: Int64] = [:]
            for p in ours {
                if let position = saved[p.partition] {
                    starts[p] = position
                } else if settings.startPoint == .beginning {
                    starts[p] = KafkaOffset.beginning
                } else if settings.startPoint == .latest {
                    starts[p] = KafkaOffset.end
                }
            }
            progress.assign(partitions, saved: saved)
            let described = partitions.sorted().map { p in
                "\(p.partition)@" + (starts[p].map { $0 >= 0 ? String($0) : ($0 == KafkaOffset.beginning ? "earliest" : "latest") }
                    ?? "committed")
            }
            logger.info("Kafka partitions of \(topic) now read here: \(described.joined(separator: ", "))")
            return starts
        }
    }
}
