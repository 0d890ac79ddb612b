import DelotonKafka
import Logging

/// Where the simulator writes to Kafka: each line as its own message, value exactly
/// `{"log": "<line>\n"}` as the real producer writes it, key = the bike's serial so one bike's
/// lines stay in order on one partition.
public struct KafkaSink: Sendable {
    public let topic: String
    private let producer: KafkaProducer

    /// What `prepareTopic` found or did, for the command's summary.
    public enum TopicSetup: Sendable, Equatable {
        case created(partitions: Int)
        case existing(partitions: Int)
    }

    public init(config: KafkaConfig, topic: String, logger: Logger) throws(KafkaError) {
        self.topic = topic
        self.producer = try KafkaProducer(config: KafkaProducerConfig(config: config), logger: logger)
    }

    /// Creates the topic with `partitions` when it is missing; an existing topic keeps its own count.
    public static func prepareTopic(_ topic: String, partitions: Int, config: KafkaConfig,
                                    logger: Logger) async throws(KafkaError) -> TopicSetup {
        let admin = KafkaAdmin(config: config, logger: logger)
        if let count = try await admin.partitionCount(topic: topic) { return .existing(partitions: count) }
        try await admin.createTopic(name: topic, partitions: Int32(clamping: partitions))
        return .created(partitions: partitions)
    }

    /// Queues one line of `bike`'s log.
    public func send(_ line: String, bike: String) async throws(KafkaError) {
        try await producer.send(topic: topic, key: Array(bike.utf8), value: Array(WireFormat.message(line).utf8))
    }

    /// Waits until the broker has every message sent so far; the producer stays open.
    public func flush(timeout: Duration = .seconds(60)) async throws(KafkaError) {
        try await producer.flush(timeout: timeout)
    }

    /// Waits until the broker has every message, then frees the producer; returns the delivery counts.
    public func finish(timeout: Duration = .seconds(60)) async throws(KafkaError) -> KafkaDeliveryStats {
        do {
            try await producer.flush(timeout: timeout)
        } catch {
            await producer.close(timeout: .zero)
            throw error
        }
        let stats = producer.deliveryStats
        await producer.close()
        return stats
    }

    /// Frees the producer after delivering what it can within `timeout` (interrupted runs).
    public func close(timeout: Duration) async {
        await producer.close(timeout: timeout)
    }

    public var deliveryStats: KafkaDeliveryStats { producer.deliveryStats }
}
