/// Which partitions of a partitioned source (Kafka) this process reads, and how far it has read
/// each one. Kept by the driver, on the pipeline's task; no locks, no broker.
///
/// A partition's source name (`PREFIX` + number) keys its position in the warehouse and is the
/// `source` of every ride read from it, which is how a stream (by partition or by key) belongs to
/// a partition: on assignment the open rides of the newly owned partitions' sources resume.
struct PartitionBook {
    /// `kafka:TOPIC/`: a partition's source name is this and its number.
    let prefix: String
    private(set) var owned = Set<Int32>()
    /// Per owned partition, the next offset not taken yet: what the warehouse holds once what
    /// was taken is written. Absent until the warehouse or a first message says where it is.
    private var next: [Int32: Int64] = [:]
    private var names: [Int32: String] = [:]

    init(prefix: String) {
        self.prefix = prefix
    }

    /// Made once per partition: the hot path asks for it per message.
    mutating func sourceName(_ partition: Int32) -> String {
        if let name = names[partition] { return name }
        let name = prefix + String(partition)
        names[partition] = name
        return name
    }

    /// Whether a message is to be read: its partition is owned here and it is not before where
    /// reading (re)started. A poll can still return messages of a partition since revoked, or
    /// ones before the restart point of a partition regained.
    mutating func take(partition: Int32, offset: Int64) -> Bool {
        guard owned.contains(partition) else { return false }
        if let start = next[partition], offset < start { return false }
        next[partition] = offset + 1
        return true
    }

    /// The partitions now owned here. `saved` holds the warehouse's positions by source name;
    /// the answer is where each newly owned partition the warehouse has read resumes.
    mutating func assign(_ partitions: [Int32], saved: [String: Int64]) -> [Int32: Int64] {
        var resume: [Int32: Int64] = [:]
        for partition in partitions {
            owned.insert(partition)
            next[partition] = nil
            if let position = saved[sourceName(partition)] {
                next[partition] = position
                resume[partition] = position
            }
        }
        return resume
    }

    /// The partitions that leave; the answer is, for each one read here, the offset after the last
    /// message taken from it: committed to Kafka as it goes, once the warehouse holds it.
    mutating func revoke(_ partitions: [Int32]) -> [Int32: Int64] {
        var read: [Int32: Int64] = [:]
        for partition in partitions {
            if owned.contains(partition), let position = next[partition] { read[partition] = position }
            owned.remove(partition)
            next[partition] = nil
        }
        return read
    }

    /// Source names of `partitions`: whose open rides a new assignment resumes at once.
    mutating func sourceNames(_ partitions: [Int32]) -> Set<String> {
        Set(partitions.map { sourceName($0) })
    }
}
