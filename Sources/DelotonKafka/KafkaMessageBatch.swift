import CRdKafka

/// The messages of one poll. Their keys and values are copied out of librdkafka back to back
/// into one buffer, so a poll of thousands of messages costs a few allocations rather than two
/// per message, which a consumer catching up at 600,000 messages a second feels.
///
/// Read it by index through `records` and `withValue(_:_:)` / `withKey(_:_:)`; as a
/// collection it also gives each message as a `KafkaMessage` (a copy, for tests and tools).
public struct KafkaMessageBatch: Sendable, RandomAccessCollection {
    public struct Record: Sendable {
        public var partition: Int32
        public var offset: Int64
        /// Milliseconds since the Unix epoch (producer or log-append time), when the broker gave one.
        public var timestamp: Int64?
        fileprivate var topic: Int
        fileprivate var key: Range<Int>?
        fileprivate var value: Range<Int>
    }

    public private(set) var records: [Record] = []
    private var topics: [String] = []
    private var bytes: [UInt8] = []

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { records.count }

    public subscript(index: Int) -> KafkaMessage {
        let record = records[index]
        return KafkaMessage(topic: topics[record.topic], partition: record.partition, offset: record.offset,
                            key: record.key.map { Array(bytes[$0]) }, value: Array(bytes[record.value]),
                            timestamp: record.timestamp)
    }

    /// What to commit after processing these messages (see `KafkaTopicPartitionOffset.nextOffsets(after:)`).
    public var nextOffsets: [KafkaTopicPartitionOffset] {
        KafkaTopicPartitionOffset.nextOffsets(of: records.lazy.map {
            (KafkaTopicPartition(topic: topics[$0.topic], partition: $0.partition), $0.offset)
        })
    }

    public func withValue<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let range = records[index].value
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// `body` gets nil for a message without a key.
    public func withKey<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        guard let range = records[index].key else { return try body(nil) }
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Copies a message librdkafka returned; `topic` is its topic's name, which the caller looks
    /// up once per topic rather than once per message.
    mutating func append(_ raw: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        let message = raw.pointee
        if topics.last != topic { topics.append(topic) }
        if bytes.isEmpty { bytes.reserveCapacity(1 << 16) }
        var key: Range<Int>?
        if let pointer = message.key {
            key = copy(pointer, count: message.key_len)
        }
        let value = message.payload.map { copy($0, count: message.len) } ?? bytes.endIndex..<bytes.endIndex
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        records.append(Record(partition: message.partition, offset: message.offset,
                              timestamp: timestamp >= 0 ? timestamp : nil,
                              topic: topics.count - 1, key: key, value: value))
    }

    private mutating func copy(_ pointer: UnsafeMutableRawPointer, count: Int) -> Range<Int> {
        let start = bytes.endIndex
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
        return start..<bytes.endIndex
    }

    mutating func reserveCapacity(_ messages: Int) { records.reserveCapacity(messages) }
}
