/// The one rule for naming a stream cut out of a source by message key: the source's keyed
/// prefix, then the key.
///
/// The prefixes are the names warehouses already hold, so rides left open by an earlier version
/// carry on: a file or the simulator splits its stream by each line's `"key"` member into
/// `STREAM#KEY` (`file:/path#SN0001`, `simulator#SN0001`); Kafka with `--stream-by key` names a
/// stream per Kafka message key across the topic's partitions, `kafka:TOPIC/key=KEY`. With
/// `--stream-by partition` (the default) a Kafka stream is its partition's source name, unkeyed.
struct KeyedStreamNames {
    let prefix: String
    /// Made once per key: consecutive messages of a busy source mostly belong to different bikes.
    private var names: [String: String] = [:]

    init(prefix: String) { self.prefix = prefix }

    /// Streams a file or the simulator splits by each line's `"key"` member.
    static func byLineKey(of stream: String) -> KeyedStreamNames { KeyedStreamNames(prefix: stream + "#") }

    /// Streams of Kafka message keys (`--stream-by key`).
    static func byMessageKey(topic: String) -> KeyedStreamNames {
        KeyedStreamNames(prefix: KafkaSource.prefix(topic: topic) + "key=")
    }

    mutating func name(_ key: String) -> String {
        if let name = names[key] { return name }
        // Keys are bikes, so few; a source keyed by something else must not grow this forever.
        if names.count >= 100_000 { names.removeAll() }
        let name = prefix + key
        names[key] = name
        return name
    }

    /// A message without a key belongs to the stream it came in (`fallback`).
    mutating func name(_ key: UnsafeBufferPointer<UInt8>?, fallback: String) -> String {
        guard let key else { return fallback }
        // Keys up to 15 bytes (a bike serial) make a String without allocating.
        return name(String(decoding: key, as: UTF8.self))
    }
}
