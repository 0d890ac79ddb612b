/// Settings for a `KafkaProducer`.
///
/// Defaults favour throughput with safe delivery: messages wait up to `linger`
/// to be batched, and the broker acknowledges only once all in-sync replicas have them.
public struct KafkaProducerConfig: Sendable, Equatable, CustomStringConvertible {
    public enum Acks: String, Sendable, Equatable {
        case none = "0"
        case leader = "1"
        case all = "all"
    }

    public var config: KafkaConfig
    public var linger: Duration
    public var acks: Acks
    /// How many messages may wait in the client before `send` has to wait for room.
    public var maxQueuedMessages: Int
    /// How long librdkafka keeps retrying a message before reporting it failed.
    public var deliveryTimeout: Duration

    public init(
        config: KafkaConfig,
        linger: Duration = .milliseconds(5),
        acks: Acks = .all,
        maxQueuedMessages: Int = 100_000,
        deliveryTimeout: Duration = .seconds(60)
    ) {
        self.config = config
        self.linger = linger
        self.acks = acks
        self.maxQueuedMessages = maxQueuedMessages
        self.deliveryTimeout = deliveryTimeout
    }

    public var description: String {
        "KafkaProducerConfig(\(config), linger=\(linger), acks=\(acks.rawValue), maxQueuedMessages=\(maxQueuedMessages))"
    }

    func properties() throws(KafkaError) -> [(String, String)] {
        let derived: [(String, String)] = [
            ("linger.ms", String(linger.milliseconds)),
            ("acks", acks.rawValue),
            ("queue.buffering.max.messages", String(max(1, maxQueuedMessages))),
            ("message.timeout.ms", String(deliveryTimeout.milliseconds)),
        ]
        let base = try config.properties()
        let extraKeys = Set(config.extraProperties.keys)
        return base.filter { !extraKeys.contains($0.0) } + derived + base.filter { extraKeys.contains($0.0) }
    }
}
