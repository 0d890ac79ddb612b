import DelotonCore
/// Everything DelotonKafka throws. The message says what is wrong and which
/// setting to change; it never contains a password.
public struct KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// A setting is missing or librdkafka refused it.
        case configuration
        /// The brokers rejected the credentials.
        case authentication
        /// The credentials are valid but may not use this topic or group.
        case authorization
        /// No broker answered for longer than `KafkaConfig.brokerUnreachableTimeout`.
        case brokersUnreachable
        /// librdkafka raised a fatal error; the client must be recreated.
        case fatal
        /// A bounded wait (flush, commit, admin call) ran out.
        case timedOut
        /// A broker or client call failed in a way the caller may retry.
        case operation
        /// The client was already closed.
        case closed
        /// The calling task was cancelled while waiting.
        case cancelled
    }

    public let kind: Kind
    public let message: String
    /// librdkafka's `rd_kafka_resp_err_t` value when there is one.
    public let code: Int32?
    /// The setting to look at first, when a setting is what a person must change or check.
    public let setting: Setting?

    public init(_ kind: Kind, _ message: String, code: Int32? = nil, setting: Setting? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.setting = setting
    }

    public var description: String { message }

    /// True when retrying the same call later cannot help without a change of settings.
    public var isFatal: Bool {
        switch kind {
        case .configuration, .authentication, .authorization, .fatal, .closed, .brokersUnreachable: true
        case .timedOut, .operation, .cancelled: false
        }
    }
}
