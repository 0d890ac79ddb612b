import DelotonCore
/// Connection settings shared by consumers, producers and admin calls.
///
/// Typed fields cover what deloton needs to choose; anything else librdkafka
/// understands goes in `extraProperties`, which is applied last so an operator
/// can override any derived setting without a code change.
public struct KafkaConfig: Sendable, Equatable, CustomStringConvertible {
    /// How the client talks to the brokers (librdkafka's `security.protocol`).
    public enum SecurityProtocol: String, Sendable, Equatable, CaseIterable {
        case plaintext
        case ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"

        /// Accepts the librdkafka spelling in any case (`SASL_SSL`, `sasl_ssl`).
        public init?(parsing text: String) {
            self.init(rawValue: text.trimmingWhitespace().lowercased())
        }

        var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
    }

    /// SASL mechanism (librdkafka's `sasl.mechanisms`).
    public enum SASLMechanism: String, Sendable, Equatable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"

        public init?(parsing text: String) {
            self.init(rawValue: text.trimmingWhitespace().uppercased())
        }
    }

    /// `host:port` entries, at least one.
    public var bootstrapBrokers: [String]
    public var clientID: String
    public var securityProtocol: SecurityProtocol
    public var saslMechanism: SASLMechanism
    public var username: String?
    public var password: String?
    /// How long every broker may stay unreachable before calls fail with
    /// `KafkaError.Kind.brokersUnreachable` instead of waiting for them.
    public var brokerUnreachableTimeout: Duration
    /// Raw librdkafka properties, applied after everything else.
    public var extraProperties: [String: String]

    public init(
        bootstrapBrokers: [String],
        clientID: String = "deloton",
        securityProtocol: SecurityProtocol = .plaintext,
        saslMechanism: SASLMechanism = .plain,
        username: String? = nil,
        password: String? = nil,
        brokerUnreachableTimeout: Duration = .seconds(60),
        extraProperties: [String: String] = [:]
    ) {
        self.bootstrapBrokers = bootstrapBrokers
        self.clientID = clientID
        self.securityProtocol = securityProtocol
        self.saslMechanism = saslMechanism
        self.username = username
        self.password = password
        self.brokerUnreachableTimeout = brokerUnreachableTimeout
        self.extraProperties = extraProperties
    }

    /// Takes the comma-separated form of the brokers setting (`Setting.kafkaBrokers`).
    public init(brokers: String, clientID: String = "deloton") {
        let list = brokers.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        self.init(bootstrapBrokers: list, clientID: clientID)
    }

    /// The brokers as librdkafka wants them.
    public var brokersString: String { bootstrapBrokers.joined(separator: ",") }

    /// Safe to log: the password and any secret-looking extra property are redacted.
    public var description: String {
        var parts = [
            "brokers=\(brokersString)", "clientID=\(clientID)", "securityProtocol=\(securityProtocol.rawValue)",
        ]
        if securityProtocol.usesSASL || username != nil {
            parts.append("saslMechanism=\(saslMechanism.rawValue)")
            parts.append("username=\(username ?? "<none>")")
            parts.append("password=\(password == nil ? "<none>" : "<redacted>")")
        }
        for key in extraProperties.keys.sorted() {
            let value = extraProperties[key] ?? ""
            parts.append("\(key)=\(Self.isSecret(key) ? "<redacted>" : value)")
        }
        return "KafkaConfig(" + parts.joined(separator: ", ") + ")"
    }

    /// Properties whose values must never reach a log line or an error message.
    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return lower.contains("password") || lower.contains("secret") || lower.contains("sasl.jaas")
            || lower.hasSuffix(".key.pem") || lower.contains("token")
    }

    /// The librdkafka properties in the order they must be applied.
    func properties() throws(KafkaError) -> [(String, String)] {
        guard !bootstrapBrokers.isEmpty else {
            throw KafkaError(.configuration,
                             "No Kafka broker given: set \(variable: .kafkaBrokers) (or \(flag: .kafkaBrokers)), e.g. 127.0.0.1:9092",
                             setting: .kafkaBrokers)
        }
        var result: [(String, String)] = [
            ("bootstrap.servers", brokersString),
            ("client.id", clientID),
            ("security.protocol", securityProtocol.rawValue),
        ]
        if securityProtocol.usesSASL {
            guard let username, let password else {
                throw KafkaError(.configuration,
                                 "Kafka security protocol \(securityProtocol.rawValue) needs credentials: "
                                     + "set \(variable: .kafkaUsername) and \(variable: .kafkaPassword)", setting: .kafkaUsername)
            }
            result.append(("sasl.mechanisms", saslMechanism.rawValue))
            result.append(("sasl.username", username))
            result.append(("sasl.password", password))
        }
        for key in extraProperties.keys.sorted() {
            if let value = extraProperties[key] { result.append((key, value)) }
        }
        return result
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}

extension Duration {
    /// Whole milliseconds, clamped to what librdkafka's `int` timeouts accept.
    var milliseconds: Int32 { Int32(clamping: max(0, wholeMilliseconds)) }
}
