/// One record read from Kafka, with its own copy of key and value.
public struct KafkaMessage: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Milliseconds since the Unix epoch (producer or log-append time), when the broker gave one.
    public var timestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], timestamp: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    /// The offset to commit once this message is safely processed (its offset + 1).
    public var nextOffset: KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: offset + 1)
    }
}

public struct KafkaTopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// A partition and an offset. For commits the offset is the NEXT offset to
/// read, i.e. the last processed offset + 1 (see `KafkaMessage.nextOffset`).
public struct KafkaTopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public init(_ topicPartition: KafkaTopicPartition, offset: Int64) {
        self.init(topic: topicPartition.topic, partition: topicPartition.partition, offset: offset)
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }

    /// What to commit after processing `messages`: per partition, the offset
    /// after the highest one seen.
    public static func nextOffsets(after messages: some Sequence<KafkaMessage>) -> [KafkaTopicPartitionOffset] {
        nextOffsets(of: messages.lazy.map { ($0.topicPartition, $0.offset) })
    }

    static func nextOffsets(of read: some Sequence<(KafkaTopicPartition, Int64)>) -> [KafkaTopicPartitionOffset] {
        var next: [KafkaTopicPartition: Int64] = [:]
        for (partition, offset) in read {
            next[partition] = max(next[partition] ?? 0, offset + 1)
        }
        return next.map { KafkaTopicPartitionOffset($0.key, offset: $0.value) }.sorted { $0.topicPartition < $1.topicPartition }
    }
}

/// A change to this consumer's share of the group's partitions.
public enum KafkaRebalance: Sendable, Equatable {
    /// These partitions are now this consumer's. The handler may answer with the
    /// offset to start each one at (e.g. offsets kept in the warehouse); partitions
    /// it leaves out start at the group's committed offset, else at `autoOffsetReset`.
    case assigned([KafkaTopicPartition])
    /// These partitions are being taken away. The handler may answer with offsets
    /// (NEXT offset to read) to commit synchronously before they are released.
    case revoked([KafkaTopicPartition])
}
