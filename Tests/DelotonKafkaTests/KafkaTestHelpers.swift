import DelotonKafka
import DelotonTestSupport
import Logging
import Testing

/// Broker tests share one noida-db and two cores; running them one at a time keeps
/// timings honest (idle consumers busy-poll it).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct KafkaBrokerTests {}

enum TestKafka {
    static let logger: Logger = {
        var logger = Logger(label: "deloton.kafka.test")
        logger.logLevel = .warning
        return logger
    }()

    /// The shared broker, or `brokers` when a test brings its own.
    static func config(brokers: String? = nil) async throws -> KafkaConfig {
        if let brokers { return KafkaConfig(brokers: brokers, clientID: "deloton-test") }
        return KafkaConfig(brokers: try await KafkaBroker.shared(), clientID: "deloton-test")
    }

    static func newTopic(partitions: Int32, brokers: String? = nil) async throws -> String {
        let topic = KafkaBroker.uniqueName("topic")
        try await KafkaAdmin(config: try await config(brokers: brokers), logger: logger).createTopic(name: topic, partitions: partitions)
        return topic
    }

    /// Produces `count` messages: key "bike-(i % keys)", value "i".
    static func produce(_ count: Int, to topic: String, keys: Int = 10, startingAt first: Int = 0,
                        partition: Int32? = nil, brokers: String? = nil) async throws {
        let producer = try KafkaProducer(config: KafkaProducerConfig(config: try await config(brokers: brokers)), logger: logger)
        for index in first..<(first + count) {
            try await producer.send(topic: topic, partition: partition, key: Array("bike-\(index % keys)".utf8), value: Array("\(index)".utf8))
        }
        try await producer.flush(timeout: .seconds(30))
        let stats = producer.deliveryStats
        await producer.close()
        #expect(stats.delivered == count)
        #expect(stats.failed == 0)
    }

    static func consumerConfig(topic: String, group: String, instance: String? = nil,
                               brokers: String? = nil) async throws -> KafkaConsumerConfig {
        KafkaConsumerConfig(config: try await config(brokers: brokers), groupID: group, groupInstanceID: instance, topics: [topic],
                            sessionTimeout: .seconds(10))
    }

    /// Polls until `count` messages arrived (committing each batch) or `limit` passed.
    static func consume(_ consumer: KafkaConsumer, count: Int, limit: Duration = .seconds(30),
                        commit: Bool = true) async throws -> [KafkaMessage] {
        var received: [KafkaMessage] = []
        let deadline = ContinuousClock.now + limit
        while received.count < count, ContinuousClock.now < deadline {
            let batch = try await consumer.poll(maxMessages: count - received.count, timeout: .milliseconds(500))
            received += batch
            if commit, !batch.isEmpty {
                try await consumer.commit(batch.nextOffsets)
            }
        }
        return received
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
