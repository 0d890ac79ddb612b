import DelotonCore
import DelotonStore
import Logging

/// The one consumer of every source's events: lines with their positions, idle, and (Kafka
/// only) partitions assigned and revoked.
///
/// It owns the pipeline, so flushing, positions committed after the warehouse commit and the
/// handling of rebalances are the same whichever source speaks; a source only reads its input
/// and says what happened. Owned by the source's task.
public struct IngestDriver {
    public let warehouse: any Warehouse
    public let options: IngestOptions
    private let logger: Logger
    private let onCommitted: @Sendable (CommittedBatch) async throws -> Void
    private(set) var pipeline: IngestPipeline
    /// Totals of pipelines an assignment replaced.
    private var earlier = IngestStats()
    private var partitions: PartitionBook

    /// `partitionPrefix`: for a partitioned source, the prefix of its partitions' source names.
    public init(warehouse: any Warehouse, options: IngestOptions, logger: Logger, partitionPrefix: String = "",
                onCommitted: @escaping @Sendable (CommittedBatch) async throws -> Void = { _ in }) {
        self.init(IngestPipeline(warehouse: warehouse, options: options, logger: logger, onCommitted: onCommitted),
                  partitionPrefix: partitionPrefix)
    }

    /// Drives a pipeline its caller made (and takes back afterwards).
    init(pipeline: IngestPipeline) {
        self.init(pipeline, partitionPrefix: "")
    }

    private init(_ pipeline: IngestPipeline, partitionPrefix: String) {
        warehouse = pipeline.warehouse
        options = pipeline.options
        logger = pipeline.logger
        onCommitted = pipeline.onCommitted
        self.pipeline = pipeline
        partitions = PartitionBook(prefix: partitionPrefix)
    }

    /// Everything read so far, across assignments.
    public var stats: IngestStats { earlier.adding(pipeline.stats) }

    /// A batch waits to be written; a source that paces itself hands over an `idle` now.
    public var isBatchFull: Bool { pipeline.isBatchFull }

    // MARK: events

    /// A line of `source` at `position`, for `stream`; with `splitByMessageKey` the line's own
    /// `"key"` member (if any) selects a sub-stream (`KeyedStreamNames`).
    public mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, source: String, position: Int64, stream: String,
                              splitByMessageKey: Bool = false) {
        pipeline.accept(bytes, source: source, position: position, stream: stream, splitByMessageKey: splitByMessageKey)
    }

    /// A line already parsed (`FileSource`'s reading task), with its bytes for the quarantine.
    mutating func line(_ parsed: Result<ParsedMessage, ParseFailure>, raw: UnsafeBufferPointer<UInt8>, source: String,
                       position: Int64, stream: String, splitByMessageKey: Bool) {
        pipeline.accept(parsed, of: raw, source: source, position: position, stream: stream,
                        splitByMessageKey: splitByMessageKey)
    }

    /// A line too long to keep whole.
    public mutating func oversized(_ line: OversizedLine, source: String, position: Int64) {
        pipeline.quarantineOversized(line, source: source, position: position)
    }

    /// The source has nothing more to hand over for now: the batch is written if it is full,
    /// old enough, or (`caughtUp`) nothing is waiting behind it; silent streams end their rides.
    public mutating func idle(caughtUp: Bool = false) async throws {
        try await pipeline.tick(caughtUp: caughtUp)
    }

    /// The source name of a message of an owned partition, nil when it is not to be read: its
    /// partition went to another process, or it comes before where reading restarted.
    mutating func take(partition: Int32, offset: Int64) -> String? {
        guard partitions.take(partition: partition, offset: offset) else { return nil }
        return partitions.sourceName(partition)
    }

    /// `revoked` partitions leave: everything read is written first. The answer is, per partition
    /// read here, the offset the warehouse now holds.
    mutating func revoked(_ revoked: [Int32]) async throws -> [Int32: Int64] {
        try await pipeline.drainAndWait()
        return partitions.revoke(revoked)
    }

    /// `assigned` partitions are now read here. The answer is where the warehouse says each one it
    /// has read resumes; the others start where the source's settings say.
    mutating func assigned(_ assigned: [Int32]) async throws -> [Int32: Int64] {
        try await pipeline.drainAndWait()
        let saved = try await warehouse.sourcePositions(prefix: partitions.prefix)
        // Open rides are read back from the warehouse, which now holds the latest state of every
        // stream, including ones another process moved on.
        earlier = earlier.adding(pipeline.stats)
        pipeline = IngestPipeline(warehouse: warehouse, options: options, logger: logger, onCommitted: onCommitted)
        let owned = partitions.sourceNames(assigned)
        try await pipeline.resumeOpenRides(streamPrefix: partitions.prefix, owned: owned)
        return partitions.assign(assigned, saved: saved)
    }

    // MARK: start and end

    /// A live source's rides left open by an earlier run carry on.
    public mutating func resumeOpenRides(streamPrefix: String) async throws {
        try await pipeline.resumeOpenRides(streamPrefix: streamPrefix)
    }

    /// Writes everything read so far and waits for the warehouse; rides stay open (a live
    /// source stopping, or catching up before it goes live).
    public mutating func drain() async throws {
        try await pipeline.drainAndWait()
    }

    /// End of a finite input: every open ride ends, and everything is written.
    public mutating func finish() async throws {
        try await pipeline.finish()
    }
}

extension IngestStats {
    func adding(_ other: IngestStats) -> IngestStats {
        var sum = self
        sum.lines += other.lines
        sum.readings += other.readings
        sum.newReadings += other.newReadings
        sum.ridesEnded += other.ridesEnded
        sum.quarantined += other.quarantined
        sum.alerts += other.alerts
        sum.duplicates += other.duplicates
        sum.batches += other.batches
        return sum
    }
}
