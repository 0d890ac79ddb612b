import DelotonCore
import CRdKafka
import Logging

/// Topic administration and cluster metadata. Each call opens a short-lived
/// client, so it suits setup and tests rather than hot paths.
public struct KafkaAdmin: Sendable {
    public let config: KafkaConfig
    private let logger: Logger
    private let queue = BlockingQueue(label: "kafka-admin")

    public init(config: KafkaConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Creates `name`; an existing topic of that name counts as success (its
    /// partition count is left as it is).
    public func createTopic(name: String, partitions: Int32, replication: Int16 = 1,
                            timeout: Duration = .seconds(15)) async throws(KafkaError) {
        let config = self.config
        let logger = self.logger
        try await queue.run { () throws(KafkaError) in
            try KafkaAdmin.withClient(config: config, logger: logger) { client throws(KafkaError) in
                try KafkaAdmin.createTopicNow(client, name: name, partitions: partitions,
                                              replication: replication, timeout: timeout)
            }
        }
    }

    /// The cluster's topics and their partition ids.
    public func metadata(timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicMetadata] {
        let config = self.config
        let logger = self.logger
        return try await queue.run { () throws(KafkaError) -> [KafkaTopicMetadata] in
            try KafkaAdmin.withClient(config: config, logger: logger) { client throws(KafkaError) in
                try KafkaAdmin.metadataNow(client, timeout: timeout)
            }
        }
    }

    /// How many partitions `topic` has, or nil when it does not exist.
    public func partitionCount(topic: String, timeout: Duration = .seconds(10)) async throws(KafkaError) -> Int? {
        try await metadata(timeout: timeout).first { $0.name == topic }?.partitions.count
    }

    // MARK: - on the admin queue

    private static func withClient<T>(config: KafkaConfig, logger: Logger,
                                      _ body: (RdKafkaClient) throws(KafkaError) -> T) throws(KafkaError) -> T {
        let state = ClientState(config: config, logger: logger)
        let client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, properties: try config.properties(), state: state) { _ in }
        defer { client.destroy() }
        return try body(client)
    }

    private static func createTopicNow(_ client: RdKafkaClient, name: String, partitions: Int32,
                                       replication: Int16, timeout: Duration) throws(KafkaError) {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(name, partitions, Int32(replication), &errorBuffer, errorBuffer.count)
        else {
            throw KafkaError(.configuration, "Cannot create Kafka topic \(name): \(String(cBuffer: errorBuffer))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout.milliseconds, &errorBuffer, errorBuffer.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeout.milliseconds, &errorBuffer, errorBuffer.count)
        guard let resultQueue = rd_kafka_queue_new(client.handle) else {
            throw KafkaError(.fatal, "librdkafka could not allocate a queue")
        }
        defer { rd_kafka_queue_destroy(resultQueue) }

        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(client.handle, &topics, 1, options, resultQueue)
        // Allow a little over the request timeout so librdkafka reports its own timeout first.
        guard let event = rd_kafka_queue_poll(resultQueue, timeout.milliseconds &+ 2000) else {
            try client.checkHealth()
            throw KafkaError(.timedOut, "Kafka did not answer the request to create topic \(name) within \(timeout): "
                                 + "check \(variable: .kafkaBrokers)", setting: .kafkaBrokers)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? KafkaErrorClassifier.text(eventError)
            throw KafkaErrorClassifier.permanentError(code: eventError, reason: text, config: client.state.config)
                ?? (eventError == RD_KAFKA_RESP_ERR__TIMED_OUT
                    ? KafkaError(.timedOut, "Kafka could not create topic \(name) within \(timeout) (\(text)): "
                                     + "check \(variable: .kafkaBrokers) and that the broker is running", code: eventError.rawValue,
                                 setting: .kafkaBrokers)
                    : KafkaError(.operation, "Kafka could not create topic \(name): \(text)", code: eventError.rawValue))
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let code = rd_kafka_topic_result_error(topicResult)
            if code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                ?? KafkaErrorClassifier.text(code)
            throw KafkaErrorClassifier.permanentError(code: code, reason: text, config: client.state.config)
                ?? KafkaError(.operation, "Kafka could not create topic \(name): \(text)", code: code.rawValue)
        }
    }

    private static func metadataNow(_ client: RdKafkaClient, timeout: Duration) throws(KafkaError) -> [KafkaTopicMetadata] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(client.handle, 1, nil, &metadata, timeout.milliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(code == RD_KAFKA_RESP_ERR__TIMED_OUT || code == RD_KAFKA_RESP_ERR__TRANSPORT ? .timedOut : .operation,
                             "Kafka did not return cluster metadata from \(client.state.config.brokersString) "
                                 + "(\(KafkaErrorClassifier.text(code))): check \(variable: .kafkaBrokers)",
                             code: code.rawValue, setting: .kafkaBrokers)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var topics: [KafkaTopicMetadata] = []
        let count = Int(metadata.pointee.topic_cnt)
        guard let entries = metadata.pointee.topics else { return [] }
        for index in 0..<count {
            let entry = entries[index]
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, let name = entry.topic.map({ String(cString: $0) }) else {
                continue
            }
            var ids: [Int32] = []
            if let partitions = entry.partitions {
                ids = (0..<Int(entry.partition_cnt)).map { partitions[$0].id }
            }
            topics.append(KafkaTopicMetadata(name: name, partitions: ids.sorted()))
        }
        return topics.sorted { $0.name < $1.name }
    }
}

public struct KafkaTopicMetadata: Sendable, Equatable {
    public var name: String
    public var partitions: [Int32]

    public init(name: String, partitions: [Int32]) {
        self.name = name
        self.partitions = partitions
    }
}
