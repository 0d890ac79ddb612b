import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` built from Swift values.
final class PartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(1, capacity)))
    }

    convenience init(_ partitions: [KafkaTopicPartition]) {
        self.init(capacity: partitions.count)
        for partition in partitions { add(partition.topic, partition.partition) }
    }

    convenience init(_ offsets: [KafkaTopicPartitionOffset]) {
        self.init(capacity: offsets.count)
        for entry in offsets { add(entry.topic, entry.partition, offset: entry.offset) }
    }

    /// Topics only, for `rd_kafka_subscribe`.
    convenience init(topics: [String]) {
        self.init(capacity: topics.count)
        for topic in topics { add(topic, RD_KAFKA_PARTITION_UA) }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    func add(_ topic: String, _ partition: Int32, offset: Int64? = nil) {
        let element = rd_kafka_topic_partition_list_add(pointer, topic, partition)
        if let offset, let element { element.pointee.offset = offset }
    }

    static func entries(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?)
        -> [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            let topic = element.topic.map { String(cString: $0) } ?? ""
            return (KafkaTopicPartition(topic: topic, partition: element.partition), element.offset, element.err)
        }
    }

    var entries: [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        Self.entries(pointer)
    }
}
