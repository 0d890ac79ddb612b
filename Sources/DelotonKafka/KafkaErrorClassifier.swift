import DelotonCore
import CRdKafka

/// Decides which librdkafka errors need a person to change a setting.
enum KafkaErrorClassifier {
    static func permanentError(code: rd_kafka_resp_err_t, reason: String, config: KafkaConfig) -> KafkaError? {
        switch code {
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
            let who = config.username.map { " for user \"\($0)\"" } ?? ""
            return KafkaError(.authentication,
                              "Kafka rejected the credentials\(who) (\(config.securityProtocol.rawValue), "
                                  + "\(config.saslMechanism.rawValue)): check \(variable: .kafkaUsername) / "
                                  + "\(variable: .kafkaPassword) and \(variable: .kafkaSecurityProtocol)",
                              code: code.rawValue, setting: .kafkaUsername)
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
            return KafkaError(.authorization,
                              "Kafka user may not access the topic (\(reason)): grant access or check \(variable: .kafkaTopic)",
                              code: code.rawValue, setting: .kafkaTopic)
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
            return KafkaError(.authorization,
                              "Kafka user may not use the consumer group (\(reason)): grant access or check \(variable: .kafkaGroup)",
                              code: code.rawValue, setting: .kafkaGroup)
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
            return KafkaError(.authorization,
                              "Kafka user lacks cluster permissions (\(reason)): check \(variable: .kafkaUsername)'s ACLs",
                              code: code.rawValue, setting: .kafkaUsername)
        case RD_KAFKA_RESP_ERR__SSL:
            return KafkaError(.configuration,
                              "TLS with the Kafka broker failed (\(reason)): check \(variable: .kafkaSecurityProtocol) "
                                  + "and that \(variable: .kafkaBrokers) names the TLS listener",
                              code: code.rawValue, setting: .kafkaSecurityProtocol)
        case RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
            return KafkaError(.configuration, "Kafka client setting is not usable (\(reason))", code: code.rawValue)
        default:
            return nil
        }
    }

    static func text(_ code: rd_kafka_resp_err_t) -> String { String(cString: rd_kafka_err2str(code)) }
}
