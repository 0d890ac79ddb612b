import DelotonKafka
import DelotonTestSupport
import Testing

extension KafkaBrokerTests {
    @Test("creating a topic twice is fine and metadata reports its partitions")
    func createTopicIsIdempotent() async throws {
        let admin = KafkaAdmin(config: try await TestKafka.config(), logger: TestKafka.logger)
        let topic = KafkaBroker.uniqueName("admin")
        try await admin.createTopic(name: topic, partitions: 4)
        try await admin.createTopic(name: topic, partitions: 4)
        #expect(try await admin.partitionCount(topic: topic) == 4)
        #expect(try await admin.partitionCount(topic: KafkaBroker.uniqueName("missing")) == nil)
        let metadata = try await admin.metadata()
        #expect(metadata.first { $0.name == topic }?.partitions == [0, 1, 2, 3])
    }
}
