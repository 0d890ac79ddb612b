import ArgumentParser
import DelotonIngest
import DelotonKafka
import Foundation

/// How to reach the Kafka cluster and which topic to use: `ingest`, `run` and `simulate`.
struct KafkaConnectionOptions: ParsableArguments {
    @Option(help: .setting(.kafkaBrokers)) var kafkaBrokers: String?
    @Option(help: .setting(.kafkaTopic)) var kafkaTopic: String?
    @Option(name: .customLong("kafka-property"), help: .setting(.kafkaProperty)) var kafkaProperties: [String] = []

    var brokers: String { Env.text(.kafkaBrokers, flag: kafkaBrokers) }
    var topic: String { Env.text(.kafkaTopic, flag: kafkaTopic) }

    /// The connection settings; every mistake is a usage error (exit 2) naming the setting.
    func config(clientID: String) throws -> KafkaConfig {
        var config = KafkaConfig(brokers: brokers, clientID: clientID)
        guard !config.bootstrapBrokers.isEmpty else {
            throw CLIFailure.usage("\(flag: .kafkaBrokers) is empty: give host:port[,host:port...] or set \(variable: .kafkaBrokers)")
        }
        for broker in config.bootstrapBrokers where !Self.looksLikeHostPort(broker) {
            throw CLIFailure.usage("\(flag: .kafkaBrokers) \(broker) is not host:port (set \(variable: .kafkaBrokers), e.g. 127.0.0.1:9092)")
        }
        guard !topic.isEmpty, topic.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), topic.count <= 249 else {
            throw CLIFailure.usage("\(flag: .kafkaTopic) \(topic) is not a Kafka topic name: use letters, digits, '.', '_' and '-' (\(variable: .kafkaTopic))")
        }
        config.username = Env.value(.kafkaUsername)
        config.password = Env.value(.kafkaPassword)
        if let text = Env.value(.kafkaSecurityProtocol) {
            guard let parsed = KafkaConfig.SecurityProtocol(parsing: text) else {
                let known = KafkaConfig.SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIFailure.usage("\(variable: .kafkaSecurityProtocol) \(text) is not one of \(known)")
            }
            config.securityProtocol = parsed
        } else if config.username != nil {
            // Managed clusters that hand out a username speak SASL over TLS.
            config.securityProtocol = .saslSSL
        }
        if let text = Env.value(.kafkaSaslMechanism) {
            guard let mechanism = KafkaConfig.SASLMechanism(parsing: text) else {
                let known = KafkaConfig.SASLMechanism.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIFailure.usage("\(variable: .kafkaSaslMechanism) \(text) is not one of \(known)")
            }
            config.saslMechanism = mechanism
        }
        if config.username != nil || config.securityProtocol == .saslPlaintext || config.securityProtocol == .saslSSL,
           config.username == nil || config.password == nil {
            throw CLIFailure.usage("Kafka SASL needs both \(variable: .kafkaUsername) and \(variable: .kafkaPassword) "
                                       + "(security protocol \(config.securityProtocol.rawValue))")
        }
        for property in kafkaProperties {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw CLIFailure.usage("\(flag: .kafkaProperty) \(property) is not key=value")
            }
            config.extraProperties[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        return config
    }

    private static func looksLikeHostPort(_ text: String) -> Bool {
        // Accept scheme-prefixed listeners (SASL_SSL://host:port) as librdkafka does.
        let address = text.range(of: "://").map { String(text[$0.upperBound...]) } ?? text
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return false }
        return colon != address.startIndex && (1...65535).contains(port)
    }
}

/// Consumer-group settings of `ingest --source kafka` and `run --source kafka`.
struct KafkaConsumerOptions: ParsableArguments {
    @Option(help: .setting(.kafkaGroup)) var kafkaGroup: String?
    @Flag(help: .setting(.kafkaFromBeginning)) var fromBeginning = false
    @Flag(help: .setting(.kafkaFromLatest)) var fromLatest = false
    @Option(help: .setting(.streamBy)) var streamBy: String?
    @Option(help: .setting(.instance)) var instance: String?
    @Option(help: .setting(.kafkaExitWhenIdle)) var exitWhenIdle: Double?

    func validate() throws {
        if fromBeginning, fromLatest { throw ValidationError("\(flag: .kafkaFromBeginning) and \(flag: .kafkaFromLatest) exclude each other") }
    }

    /// Everything `KafkaSource` needs; usage errors (exit 2) name the setting.
    func settings(connection: KafkaConnectionOptions) throws -> KafkaSourceSettings {
        let member = try Self.memberID(instance ?? Env.value(.instance))
        let group = Env.text(.kafkaGroup, flag: kafkaGroup)
        guard !group.isEmpty else { throw CLIFailure.usage("\(flag: .kafkaGroup) is empty (\(variable: .kafkaGroup))") }

        let streamText = Env.text(.streamBy, flag: streamBy)
        guard let stream = KafkaStreamBy(rawValue: streamText.lowercased()) else {
            throw CLIFailure.usage("\(flag: .streamBy) \(streamText) is not partition or key (\(variable: .streamBy))")
        }

        var start = KafkaStartPoint.committedOrEarliest
        if fromBeginning {
            start = .beginning
        } else if fromLatest {
            start = .latest
        } else if let text = Env.value(.kafkaFromBeginning)?.lowercased() {
            if ["1", "true", "yes", "on"].contains(text) { start = .beginning }
            else if ["0", "false", "no", "off"].contains(text) { start = .latest }
            else { throw CLIFailure.usage("\(variable: .kafkaFromBeginning) \(text) is not true or false") }
        }

        let idleText = exitWhenIdle.map { String($0) } ?? Env.value(.kafkaExitWhenIdle)
        var idle: Duration?
        if let idleText {
            guard let seconds = Double(idleText), seconds > 0, seconds <= 604_800 else {
                throw CLIFailure.usage("\(flag: .kafkaExitWhenIdle) must be a number of seconds from 0 to 604800 (got \(idleText))")
            }
            idle = .milliseconds(Int64(seconds * 1000))
        }

        let config = try connection.config(clientID: "deloton-" + member)
        let consumer = KafkaConsumerConfig(config: config, groupID: group, groupInstanceID: member,
                                           topics: [connection.topic], autoOffsetReset: start == .latest ? .latest : .earliest)
        return KafkaSourceSettings(consumer: consumer, streamBy: stream, startPoint: start, exitWhenIdle: idle)
    }

    /// The group.instance.id for `--instance`: the text itself, as deployments that name each
    /// consumer (compose, ECS) set it; without it the host's name, so a consumer is always a static
    /// member and a restart rejoins at once. Kafka refuses ids outside its topic-name alphabet only
    /// when the consumer joins, so they are checked here, before any work.
    static func memberID(_ text: String?) throws -> String {
        guard let text else { return hostName() + "-1" }
        guard !text.isEmpty, text.count <= 249, text != ".", text != "..",
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw CLIFailure.usage("\(flag: .instance) \(text) is not a Kafka group.instance.id: use up to 249 letters, digits, '.', '_' "
                                   + "and '-', e.g. ingest-1 (\(variable: .instance))")
        }
        return text
    }

    /// The host name, reduced to what a group.instance.id may hold.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let raw = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let cleaned = String(raw.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        return cleaned.isEmpty ? "deloton" : String(cleaned.prefix(200))
    }
}

extension KafkaError {
    /// A Kafka failure as the CLI reports it: configuration mistakes are usage errors (exit 2),
    /// the rest runtime failures (exit 1).
    var cliFailure: CLIFailure {
        var text = message
        if text.lowercased().contains("fenced") {
            text += " (another process uses the same \(flag: .instance) in this group: give each copy its own \(flag: .instance) (\(variable: .instance)))"
        }
        return kind == .configuration ? .usage(text) : .runtime(text)
    }
}
