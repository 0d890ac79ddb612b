import DelotonCore
/// Settings for a `KafkaConsumer` in a consumer group.
///
/// Offsets are never committed behind the application's back
/// (`enable.auto.commit=false`, `enable.auto.offset.store=false`): deloton commits
/// only once the warehouse holds what it read.
public struct KafkaConsumerConfig: Sendable, Equatable, CustomStringConvertible {
    /// Where a group starts on a partition it has no committed offset for.
    public enum OffsetReset: String, Sendable, Equatable {
        case earliest
        case latest
    }

    public var config: KafkaConfig
    public var groupID: String
    /// Static membership (`group.instance.id`). Set it for any long-lived consumer:
    /// a consumer that restarts after a crash then takes its old place at once
    /// instead of waiting for the group to time the dead member out (and on
    /// noida-db a crashed dynamic member wedges its group for good).
    public var groupInstanceID: String?
    public var topics: [String]
    public var autoOffsetReset: OffsetReset
    public var sessionTimeout: Duration

    public init(
        config: KafkaConfig,
        groupID: String,
        groupInstanceID: String? = nil,
        topics: [String],
        autoOffsetReset: OffsetReset = .earliest,
        sessionTimeout: Duration = .seconds(45)
    ) {
        self.config = config
        self.groupID = groupID
        self.groupInstanceID = groupInstanceID
        self.topics = topics
        self.autoOffsetReset = autoOffsetReset
        self.sessionTimeout = sessionTimeout
    }

    public var description: String {
        "KafkaConsumerConfig(\(config), group=\(groupID), instance=\(groupInstanceID ?? "<dynamic>"), "
            + "topics=\(topics), autoOffsetReset=\(autoOffsetReset.rawValue))"
    }

    func properties() throws(KafkaError) -> [(String, String)] {
        guard !groupID.isEmpty else {
            throw KafkaError(.configuration, "No Kafka consumer group given: set \(variable: .kafkaGroup) (or \(flag: .kafkaGroup))",
                             setting: .kafkaGroup)
        }
        guard !topics.isEmpty, topics.allSatisfy({ !$0.isEmpty }) else {
            throw KafkaError(.configuration, "No Kafka topic given: set \(variable: .kafkaTopic) (or \(flag: .kafkaTopic))",
                             setting: .kafkaTopic)
        }
        var derived: [(String, String)] = [
            ("group.id", groupID),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("enable.partition.eof", "false"),
            ("auto.offset.reset", autoOffsetReset.rawValue),
            ("session.timeout.ms", String(sessionTimeout.milliseconds)),
        ]
        if let groupInstanceID, !groupInstanceID.isEmpty {
            derived.append(("group.instance.id", groupInstanceID))
        }
        // Base first, derived next, pass-through last so operators can override anything.
        let base = try config.properties()
        let extraKeys = Set(config.extraProperties.keys)
        let baseWithoutExtras = base.filter { !extraKeys.contains($0.0) }
        let extras = base.filter { extraKeys.contains($0.0) }
        return baseWithoutExtras + derived + extras
    }
}
