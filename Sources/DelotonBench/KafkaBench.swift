import DelotonCore
import DelotonKafka
import Logging

/// A quick throughput probe: produce N small keyed messages, then read them back
/// in a fresh consumer group with a commit per batch, the way ingest does.
public enum KafkaBench {
    public struct Result: Sendable, CustomStringConvertible {
        public var messages: Int
        public var payloadBytes: Int
        /// From the first `send` until `flush` confirmed every message.
        public var produceDuration: Duration
        /// From the first message received until the last, commits included.
        public var consumeDuration: Duration
        /// From creating the consumer until its first message (group join and first fetch).
        public var consumerStartDuration: Duration
        public var failedDeliveries: Int

        public var producedPerSecond: Double { Double(messages) / produceDuration.inSeconds }
        public var consumedPerSecond: Double { Double(messages) / consumeDuration.inSeconds }

        public var description: String {
            let produced = Int(producedPerSecond.rounded())
            let consumed = Int(consumedPerSecond.rounded())
            return "\(messages) messages of \(payloadBytes) B: produced \(produced)/s "
                + "(\(produceDuration.inSeconds.formattedSeconds)), consumed \(consumed)/s "
                + "(\(consumeDuration.inSeconds.formattedSeconds), first message after "
                + "\(consumerStartDuration.inSeconds.formattedSeconds)), failed deliveries \(failedDeliveries)"
        }
    }

    public static func run(config: KafkaConfig, topic: String, messages: Int = 200_000, payloadBytes: Int = 150,
                           partitions: Int32 = 4, bikes: Int = 500, logger: Logger) async throws(KafkaError) -> Result {
        let clock = ContinuousClock()
        try await KafkaAdmin(config: config, logger: logger).createTopic(name: topic, partitions: partitions)

        let producer = try KafkaProducer(config: KafkaProducerConfig(config: config), logger: logger)
        let keys = (0..<max(1, bikes)).map { Array("SN\(1000 + $0)".utf8) }
        let filler = String(repeating: "x", count: max(0, payloadBytes))
        let produceStart = clock.now
        do {
            for index in 0..<messages {
                // A distinct prefix per message keeps payloads realistic (not one repeated buffer).
                // {"n":N,"r":"x…"}: 13 bytes besides the number and the filler, payloadBytes in all.
                let fill = max(0, payloadBytes - 13 - String(index).utf8.count)
                var value = JSONWriter(capacity: payloadBytes)
                value.object { j in
                    j.field("n", index)
                    j.field("r", String(filler.prefix(fill)))
                }
                try await producer.send(topic: topic, key: keys[index % keys.count], value: value.bytes)
            }
            try await producer.flush(timeout: .seconds(120))
        } catch {
            await producer.close(timeout: .seconds(1))
            throw error
        }
        let produceDuration = clock.now - produceStart
        let failed = producer.deliveryStats.failed
        await producer.close()

        let consumerConfig = KafkaConsumerConfig(config: config, groupID: "\(topic)-bench", topics: [topic])
        let consumerCreated = clock.now
        let consumer = try KafkaConsumer(config: consumerConfig, logger: logger)
        var received = 0
        var firstMessage: ContinuousClock.Instant?
        var idleSince = clock.now
        do {
            while received < messages - failed {
                let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(500))
                if batch.isEmpty {
                    if clock.now - idleSince > .seconds(30) { break }
                    continue
                }
                idleSince = clock.now
                if firstMessage == nil { firstMessage = clock.now }
                received += batch.count
                try await consumer.commit(batch.nextOffsets)
            }
        } catch {
            await consumer.close()
            throw error
        }
        let consumeEnd = clock.now
        await consumer.close()
        guard let firstMessage, received >= messages - failed else {
            throw KafkaError(.timedOut, "Kafka bench read back only \(received) of \(messages) messages")
        }
        return Result(messages: messages, payloadBytes: payloadBytes, produceDuration: produceDuration,
                      consumeDuration: consumeEnd - firstMessage, consumerStartDuration: firstMessage - consumerCreated,
                      failedDeliveries: failed)
    }
}


extension Double {
    var formattedSeconds: String {
        let tenths = (self * 100).rounded() / 100
        return "\(tenths) s"
    }
}
