import DelotonCore
@testable import DelotonKafka
import Testing

@Suite struct KafkaConfigTests {
    @Test("the password never shows in descriptions")
    func descriptionRedactsSecrets() {
        let config = KafkaConfig(bootstrapBrokers: ["b1:9092", "b2:9092"], securityProtocol: .saslSSL,
                                 username: "alice", password: "hunter2-secret",
                                 extraProperties: ["ssl.key.password": "also-secret", "linger.ms": "7"])
        let consumer = KafkaConsumerConfig(config: config, groupID: "g", topics: ["t"])
        for text in [config.description, consumer.description, KafkaProducerConfig(config: config).description] {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("also-secret"))
            #expect(text.contains("alice"))
        }
        #expect(config.description.contains("linger.ms=7"))
    }

    @Test("consumer properties: manual offsets, static membership, pass-through applied last")
    func consumerProperties() throws {
        var config = KafkaConfig(brokers: " 127.0.0.1:9092 , 127.0.0.1:9093 ")
        config.extraProperties = ["enable.auto.commit": "true", "fetch.min.bytes": "1"]
        let consumer = KafkaConsumerConfig(config: config, groupID: "ingest", groupInstanceID: "ingest-1",
                                           topics: ["deloton"], autoOffsetReset: .latest)
        let properties = try consumer.properties()
        let keys = properties.map(\.0)
        #expect(properties.first { $0.0 == "bootstrap.servers" }?.1 == "127.0.0.1:9092,127.0.0.1:9093")
        #expect(properties.contains { $0 == ("enable.auto.offset.store", "false") })
        #expect(properties.contains { $0 == ("group.instance.id", "ingest-1") })
        #expect(properties.contains { $0 == ("auto.offset.reset", "latest") })
        // The operator's override comes after the default it overrides.
        let overrides = properties.enumerated().filter { $0.element.0 == "enable.auto.commit" }.map(\.offset)
        #expect(overrides.count == 2)
        #expect(properties[overrides[1]].1 == "true")
        #expect(keys.last == "fetch.min.bytes" || keys.last == "enable.auto.commit")
    }

    @Test("SASL without credentials, no brokers or no topic are configuration errors naming the variable")
    func missingSettings() {
        let sasl = KafkaConfig(bootstrapBrokers: ["b:9092"], securityProtocol: .saslSSL, username: "alice")
        #expect(throws: KafkaError.self) { try sasl.properties() }
        do {
            _ = try sasl.properties()
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.message.contains(Setting.kafkaPassword.variable))
        }
        do {
            _ = try KafkaConfig(brokers: " , ").properties()
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains(Setting.kafkaBrokers.variable))
            #expect(error.setting == .kafkaBrokers)
        }
        do {
            _ = try KafkaConsumerConfig(config: KafkaConfig(brokers: "b:1"), groupID: "g", topics: []).properties()
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains(Setting.kafkaTopic.variable))
            #expect(error.setting == .kafkaTopic)
        }
    }

    @Test("librdkafka refusing a setting names the setting but not a secret value")
    func invalidProperty() {
        var config = KafkaConfig(brokers: "127.0.0.1:1")
        config.extraProperties = ["no.such.setting": "x"]
        #expect { _ = try KafkaProducer(config: KafkaProducerConfig(config: config), logger: TestKafka.logger) }
            throws: { ($0 as? KafkaError)?.message.contains("no.such.setting") == true }
        config.extraProperties = ["sasl.password": "pw-that-must-not-leak", "security.protocol": "bogus"]
        #expect { _ = try KafkaProducer(config: KafkaProducerConfig(config: config), logger: TestKafka.logger) }
            throws: { error in
                let message = (error as? KafkaError)?.message ?? ""
                return message.contains("security.protocol") && !message.contains("pw-that-must-not-leak")
            }
    }

    @Test("parsing protocol and mechanism names as operators type them")
    func parsing() {
        #expect(KafkaConfig.SecurityProtocol(parsing: " SASL_SSL ") == .saslSSL)
        #expect(KafkaConfig.SecurityProtocol(parsing: "plaintext") == .plaintext)
        #expect(KafkaConfig.SecurityProtocol(parsing: "tls") == nil)
        #expect(KafkaConfig.SASLMechanism(parsing: "scram-sha-512") == .scramSHA512)
        #expect(KafkaConfig(brokers: "b:1").saslMechanism == .plain)
    }

    @Test("commit offsets are the next offset to read, per partition")
    func nextOffsets() {
        let messages = [(0, 5), (1, 9), (0, 7), (0, 6)].map {
            KafkaMessage(topic: "t", partition: Int32($0.0), offset: Int64($0.1), key: nil, value: [], timestamp: nil)
        }
        #expect(KafkaTopicPartitionOffset.nextOffsets(after: messages) == [
            KafkaTopicPartitionOffset(topic: "t", partition: 0, offset: 8),
            KafkaTopicPartitionOffset(topic: "t", partition: 1, offset: 10),
        ])
        #expect(messages[0].nextOffset.offset == 6)
    }

    @Test("durations become librdkafka milliseconds without overflow")
    func milliseconds() {
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Duration.seconds(Int64.max / 10).milliseconds == Int32.max)
        #expect(Duration.seconds(-3).milliseconds == 0)
    }
}
