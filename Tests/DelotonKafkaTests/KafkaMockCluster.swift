import CRdKafka
@testable import DelotonKafka
import Foundation
import Logging

/// librdkafka's in-process mock cluster, for tests that need a broker to
/// misbehave on cue. Test support: it reaches the client's internals through `@testable import`.
final class KafkaMockCluster: @unchecked Sendable {
    /// Kafka protocol API keys used for fault injection.
    enum APIKey: Int16 {
        case produce = 0
        case fetch = 1
        case metadata = 3
        case offsetCommit = 8
        case joinGroup = 11
    }

    private let host: RdKafkaClient
    private let cluster: OpaquePointer
    let bootstrapBrokers: String

    init(brokers: Int32 = 1, logger: Logger) throws(KafkaError) {
        // The mock cluster lives inside a client handle; a bare producer does the job.
        let state = ClientState(config: KafkaConfig(bootstrapBrokers: ["unused:0"]), logger: logger)
        let host = try RdKafkaClient(type: RD_KAFKA_PRODUCER, properties: [("bootstrap.servers", "127.0.0.1:1")],
                                     state: state) { _ in }
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, brokers) else {
            host.destroy()
            throw KafkaError(.fatal, "librdkafka could not create a mock cluster")
        }
        self.host = host
        self.cluster = cluster
        self.bootstrapBrokers = rd_kafka_mock_cluster_bootstraps(cluster).map { String(cString: $0) } ?? ""
    }

    /// Must run before the host handle goes, or librdkafka aborts.
    func destroy() {
        guard !host.isDestroyed else { return }
        rd_kafka_mock_cluster_destroy(cluster)
        host.destroy()
    }

    deinit { destroy() }

    func createTopic(_ name: String, partitions: Int32) throws(KafkaError) {
        let code = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.operation, "mock topic \(name): \(KafkaErrorClassifier.text(code))", code: code.rawValue)
        }
    }

    /// The next requests of `api` fail with these errors, one each, in order.
    func failNextRequests(_ api: APIKey, with errors: [rd_kafka_resp_err_t]) {
        var codes = errors
        rd_kafka_mock_push_request_errors_array(cluster, api.rawValue, codes.count, &codes)
    }

    /// Takes a broker down for good: bringing a mock broker back binds its port again, and
    /// librdkafka aborts the process when another socket has taken it meanwhile.
    func takeBrokerDown(_ id: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster, id)
    }
}
