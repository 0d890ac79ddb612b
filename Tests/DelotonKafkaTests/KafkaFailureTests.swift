import DelotonCore
import CRdKafka
@testable import DelotonKafka
import DelotonTestSupport
import Testing

/// Brokers that are absent or refuse us must give a clear error, never a hang.
@Suite(.timeLimit(.minutes(1)))
struct KafkaFailureTests {
    static func unreachable(_ brokers: String) -> KafkaConfig {
        KafkaConfig(bootstrapBrokers: [brokers], brokerUnreachableTimeout: .seconds(2))
    }

    /// Polls until the consumer throws; returns the error or nil if it never did.
    static func firstError(of consumer: KafkaConsumer, within limit: Duration) async -> KafkaError? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            do {
                _ = try await consumer.poll(maxMessages: 10, timeout: .milliseconds(300))
            } catch {
                return error
            }
        }
        return nil
    }

    @Test("a consumer pointed at a closed port or an unknown host says which setting to fix",
          arguments: ["127.0.0.1:1", "deloton-no-such-host.invalid:9092"])
    func consumerUnreachable(brokers: String) async throws {
        let config = KafkaConsumerConfig(config: Self.unreachable(brokers), groupID: "g", topics: ["t"])
        let consumer = try KafkaConsumer(config: config, logger: TestKafka.logger)
        let started = ContinuousClock.now
        let error = await Self.firstError(of: consumer, within: .seconds(30))
        await consumer.close()
        let failure = try #require(error)
        #expect(failure.kind == .brokersUnreachable)
        #expect(failure.message.contains(Setting.kafkaBrokers.variable))
        #expect(failure.message.contains(brokers))
        // Seconds after the unreachable timeout, with room for a suite that loads both cores.
        #expect(ContinuousClock.now - started < .seconds(25))
    }

    @Test("a producer with no broker fails its flush instead of waiting forever")
    func producerUnreachable() async throws {
        let producer = try KafkaProducer(config: KafkaProducerConfig(config: Self.unreachable("127.0.0.1:1")),
                                         logger: TestKafka.logger)
        try await producer.send(topic: "t", key: nil, value: Array("hello".utf8))
        try await Task.sleep(for: .seconds(2.5))
        await #expect { try await producer.flush(timeout: .seconds(1)) } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return (error.kind == .brokersUnreachable || error.kind == .timedOut)
                && error.message.contains(Setting.kafkaBrokers.variable)
        }
        await producer.close(timeout: .milliseconds(100))
    }

    @Test("admin calls against no broker time out with a clear message")
    func adminUnreachable() async throws {
        let admin = KafkaAdmin(config: Self.unreachable("127.0.0.1:1"), logger: TestKafka.logger)
        await #expect { _ = try await admin.metadata(timeout: .seconds(2)) } throws: { error in
            (error as? KafkaError)?.message.contains(Setting.kafkaBrokers.variable) == true
        }
        await #expect { try await admin.createTopic(name: "t", partitions: 1, timeout: .seconds(2)) } throws: { error in
            (error as? KafkaError)?.message.contains(Setting.kafkaBrokers.variable) == true
        }
    }
}

/// noida-db accepts any SASL credentials and librdkafka's mock cluster has no SASL,
/// so the rejection path is fed the error event librdkafka raises for it.
@Suite struct KafkaCredentialErrorTests {
    @Test("rejected credentials become an authentication error naming the variables, never the password")
    func credentialsRejected() throws {
        let config = KafkaConfig(bootstrapBrokers: ["b:9092"], securityProtocol: .saslSSL, username: "alice",
                                 password: "pw-that-must-not-leak")
        let state = ClientState(config: config, logger: TestKafka.logger)
        state.handleErrorEvent(nil, code: RD_KAFKA_RESP_ERR__AUTHENTICATION,
                               reason: "sasl_ssl://b:9092/bootstrap: SASL authentication error: Authentication failed: "
                                   + "Invalid username or password (after 5ms in state AUTH_REQ)")
        #expect { try state.checkHealth { true } } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.kind == .authentication && error.isFatal
                && error.message.contains("\(Setting.kafkaUsername.variable) / \(Setting.kafkaPassword.variable)")
                && !error.message.contains("pw-that-must-not-leak")
        }
    }

    @Test("transient broker errors start the unreachable clock but are not fatal by themselves")
    func transientErrors() throws {
        var config = KafkaConfig(brokers: "b:9092")
        config.brokerUnreachableTimeout = .zero
        let state = ClientState(config: config, logger: TestKafka.logger)
        state.handleErrorEvent(nil, code: RD_KAFKA_RESP_ERR__TRANSPORT, reason: "b:9092/1: Disconnected")
        try state.checkHealth { true }
        state.handleErrorEvent(nil, code: RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, reason: "1/1 brokers are down")
        // The brokers answered the probe: no failure now, but the outage is not forgotten, since
        // librdkafka reports it only once; a later probe that fails still reports it.
        try state.checkHealth { false }
        #expect { try state.checkHealth { true } } throws: { ($0 as? KafkaError)?.kind == .brokersUnreachable }
        // Real traffic ends it: a delivered message (a consumer: a fetched one).
        state.recordDelivery(error: RD_KAFKA_RESP_ERR_NO_ERROR)
        try state.checkHealth { true }
    }

    @Test("authorisation failures name the topic or group setting")
    func authorization() {
        let config = KafkaConfig(brokers: "b:9092")
        let topic = KafkaErrorClassifier.permanentError(code: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                                                        reason: "Topic authorization failed", config: config)
        let group = KafkaErrorClassifier.permanentError(code: RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
                                                        reason: "Group authorization failed", config: config)
        #expect(topic?.message.contains(Setting.kafkaTopic.variable) == true)
        #expect(group?.message.contains(Setting.kafkaGroup.variable) == true)
        #expect(KafkaErrorClassifier.permanentError(code: RD_KAFKA_RESP_ERR__TRANSPORT, reason: "x", config: config) == nil)
    }
}
