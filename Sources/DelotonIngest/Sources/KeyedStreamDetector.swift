/// Notices a topic read per partition whose messages are keyed per bike and interleaved, as
/// `deloton simulate` writes them: one partition then mixes several rides, most lines cannot
/// be put in a ride and are quarantined, and ingest would otherwise finish with exit 0 and no
/// clue. Partition stays the default (a settled decision); this only tells the operator.
struct KeyedStreamDetector {
    /// Enough lines that a few unattributed ones at the start of a partition (a ride begun
    /// before the consumer) do not count.
    static let minimumLines = 100
    /// Distinct keys remembered per partition: two already show that one partition mixes streams.
    static let keysKept = 8

    private var keys: [Int32: Set<Int>] = [:]
    private(set) var reported = false

    mutating func observe(partition: Int32, key: UnsafeBufferPointer<UInt8>?) {
        guard !reported, let key, keys[partition, default: []].count < Self.keysKept else { return }
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(key))
        // In place: a copy of the set per message would allocate on the hot path.
        keys[partition, default: []].insert(hasher.finalize())
    }

    /// The largest number of distinct keys one partition carried, once most lines went to
    /// quarantine; nil otherwise, and after the first report.
    mutating func evidence(lines: Int, quarantined: Int) -> Int? {
        guard !reported, lines >= Self.minimumLines, quarantined > lines / 2 else { return nil }
        let most = keys.values.map(\.count).max() ?? 0
        guard most >= 2 else { return nil }
        reported = true
        return most
    }
}
