import DelotonKafka
import DelotonTestSupport
import Testing

extension KafkaBrokerTests {
    @Test("1,000 keyed messages come back once each, in key order, with manual commits")
    func roundTrip() async throws {
        let topic = try await TestKafka.newTopic(partitions: 3)
        try await TestKafka.produce(1000, to: topic)

        let group = KafkaBroker.uniqueName("group")
        let consumer = try KafkaConsumer(config: try await TestKafka.consumerConfig(topic: topic, group: group),
                                         logger: TestKafka.logger)
        let messages = try await TestKafka.consume(consumer, count: 1000)
        let lagAfter = try await consumer.lag()
        await consumer.close()

        #expect(messages.count == 1000)
        #expect(Set(messages.map { TestKafka.text($0.value) }) == Set((0..<1000).map(String.init)))
        // Same key, same partition, in produced order.
        var byKey: [String: [Int]] = [:]
        var partitionOfKey: [String: Set<Int32>] = [:]
        for message in messages {
            let key = TestKafka.text(message.key ?? [])
            byKey[key, default: []].append(Int(TestKafka.text(message.value)) ?? -1)
            partitionOfKey[key, default: []].insert(message.partition)
            #expect(message.timestamp != nil)
            #expect(message.topic == topic)
        }
        #expect(byKey.count == 10)
        for (_, values) in byKey { #expect(values == values.sorted()) }
        for (_, partitions) in partitionOfKey { #expect(partitions.count == 1) }
        #expect(lagAfter.values.allSatisfy { $0 == 0 })
        #expect(lagAfter.count == 3)

        // Everything committed: the group sees nothing new.
        let again = try KafkaConsumer(config: try await TestKafka.consumerConfig(topic: topic, group: group),
                                      logger: TestKafka.logger)
        let partitions = (0..<3).map { KafkaTopicPartition(topic: topic, partition: $0) }
        let committed = try await again.committed(partitions)
        let rest = try await TestKafka.consume(again, count: 1, limit: .seconds(2))
        await again.close()
        #expect(committed.values.reduce(0, +) == 1000)
        #expect(rest.isEmpty)
    }

    @Test("a reopened group resumes exactly after the committed offset")
    func resumeAfterCommit() async throws {
        let topic = try await TestKafka.newTopic(partitions: 1)
        try await TestKafka.produce(100, to: topic)
        let group = KafkaBroker.uniqueName("group")
        let config = try await TestKafka.consumerConfig(topic: topic, group: group, instance: "resume-1")

        let first = try KafkaConsumer(config: config, logger: TestKafka.logger)
        let read = try await TestKafka.consume(first, count: 40, commit: false)
        #expect(read.count == 40)
        let lag = try await first.lag()
        // Commit the NEXT offset to read: last processed + 1.
        let last = try #require(read.last)
        try await first.commit([last.nextOffset])
        await first.close()
        #expect(last.offset == 39)
        #expect(lag[KafkaTopicPartition(topic: topic, partition: 0)] == 60)

        let second = try KafkaConsumer(config: config, logger: TestKafka.logger)
        let rest = try await TestKafka.consume(second, count: 60)
        let extra = try await second.poll(maxMessages: 10, timeout: .seconds(1))
        await second.close()
        #expect(rest.first?.offset == 40)
        #expect(rest.map(\.offset) == Array(40..<100))
        #expect(extra.isEmpty)
    }

    @Test("the producer reports every message it delivered")
    func producerCountsDeliveries() async throws {
        let topic = try await TestKafka.newTopic(partitions: 2)
        let producer = try KafkaProducer(config: KafkaProducerConfig(config: try await TestKafka.config()),
                                         logger: TestKafka.logger)
        for index in 0..<500 {
            try await producer.send(topic: topic, key: nil, value: Array("v\(index)".utf8))
        }
        try await producer.flush(timeout: .seconds(20))
        #expect(producer.deliveryStats == KafkaDeliveryStats(delivered: 500, failed: 0, lastError: nil))
        #expect(producer.inFlight == 0)
        await producer.close()
        await producer.close()
        await #expect(throws: KafkaError.self) {
            try await producer.send(topic: topic, key: nil, value: [1])
        }
    }
}
