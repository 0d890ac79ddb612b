import DelotonCore
import DelotonStore
import Logging
import Synchronization

/// Settings of one ingest run.
public struct IngestOptions: Sendable {
    /// How the stream's zone-less times are read (`Setting.streamTimezone`).
    public var streamZone: Zone
    /// A batch is written when it holds this many readings...
    ///
    /// Each transaction also updates the row of every ride it touches (each open ride, with its
    /// saved state) and stages their profiles, so a file ingest, which fills batches faster than
    /// the warehouse takes them, pays that per batch: at 20,000 it waited on the writer for 2.6 s
    /// of 4 (issue 19 item 7), at 60,000 the same 1.2 M readings took a fifth less time. A live
    /// stream's batches stay small: they go after `maxBatchDelay`.
    public var maxBatchReadings = 60_000
    /// ...or when its oldest line has waited this long (bounds alert and dashboard latency).
    public var maxBatchDelay: Duration = .milliseconds(25)
    /// A live stream silent this long ends its open ride; nil for finite inputs.
    /// Time the pipeline spends waiting for the warehouse does not count: nothing is read then.
    public var rideIdleTimeout: Duration?
    /// A longer line is quarantined as its first bytes, length and digest (`OversizedLine`).
    public var maxLineBytes = 1 << 20
    /// Alerts raised before this instant are recorded but never mailed: `deloton run`'s back-filled
    /// history, whose riders left their bikes long ago.
    public var mailAlertsFrom: Instant?

    public init(streamZone: Zone, rideIdleTimeout: Duration? = nil) {
        self.streamZone = streamZone
        self.rideIdleTimeout = rideIdleTimeout
    }
}

/// Running totals, for the progress line and the summary.
public struct IngestStats: Sendable, Equatable {
    public var lines = 0
    public var readings = 0
    /// Of `readings`, those the warehouse did not hold yet; a replay adds none.
    public var newReadings = 0
    public var ridesEnded = 0
    public var quarantined = 0
    public var alerts = 0
    public var duplicates = 0
    public var batches = 0
    public init() {}
}

/// What the pipeline tells its owner after each committed transaction.
public struct CommittedBatch: Sendable {
    public var positions: [String: Int64]
    public var outcome: WriteOutcome
    public var readings: Int
    /// Rides still open in the pipeline once this batch was handed over, for the status line.
    public var openRides: Int
}

/// source → parse → assemble → batch → warehouse, for any source.
///
/// Owned by one task. Writing batch N overlaps with parsing batch N+1; a batch's positions are
/// reported (and so committed to the source) only after its transaction has committed.
public struct IngestPipeline {
    public let warehouse: any Warehouse
    public let options: IngestOptions
    let logger: Logger
    let onCommitted: @Sendable (CommittedBatch) async throws -> Void

    private var parser = LineParser()
    private var assemblers: [RideAssembler] = []
    private var index: [String: Int] = [:]
    private var lastStream = ""
    private var lastIndex = -1
    /// When each stream last delivered a line, on `sourceClock`.
    private var lastSeen: [ContinuousClock.Instant] = []
    /// How long this pipeline has waited for the warehouse to take a batch: time in which it read
    /// nothing, so time in which no stream can have been heard from.
    private var stalled: Duration = .zero
    private var dirty = DirtyAssemblers()
    /// Streams without an open ride hold nothing worth keeping: past this many assemblers they
    /// are dropped, so a flood of distinct message keys cannot grow memory without bound.
    private var evictAt = 1024
    private var evictedDuplicates = 0
    private var currentSource = ""
    private var resumable: [String: OpenRide] = [:]
    private var nextPosition: Int64 = 0
    private var keyedNames = KeyedStreamNames.byLineKey(of: "")
    private var lastKeyedStream = ""
    /// Each key's assembler in `lastKeyedStream`: in an interleaved stream nearly every line
    /// changes bike, and one lookup by key is cheaper than making its stream name and looking
    /// that up. Holds indexes into `assemblers`, so it is emptied when they move (eviction).
    private var keyedIndex: [String: Int] = [:]

    private var batch = IngestBatch()
    private var batchReadings = 0
    private var batchStarted: ContinuousClock.Instant?
    /// A batch holding a new alert is written as soon as the writer is free: the rider is still on the bike.
    private var alertWaiting = false
    private var inflight: Task<CommittedBatch, any Error>?
    /// Set by the write in flight when it ends, so `tick` can tell without waiting for it.
    private var inflightEnded: WriteEnded?
    public private(set) var stats = IngestStats()

    public init(warehouse: any Warehouse, options: IngestOptions, logger: Logger,
                onCommitted: @escaping @Sendable (CommittedBatch) async throws -> Void = { _ in }) {
        self.warehouse = warehouse
        self.options = options
        self.logger = logger
        self.onCommitted = onCommitted
    }

    /// Picks up rides left open on these streams by an earlier run, so they carry on instead of
    /// their remaining readings being quarantined. Live sources call this; a file is a replay.
    ///
    /// Rides fed by `owned` sources get their assembler now, so that a stream that never speaks
    /// again still has its ride ended (idle timeout, end of input); the others wait for their
    /// stream's next line, since another process may own their source (Kafka partitions).
    public mutating func resumeOpenRides(streamPrefix: String, owned: Set<String>? = nil) async throws {
        let rides = try await warehouse.openRides(streamPrefix: streamPrefix)
        for ride in rides where index[ride.stream] == nil {
            if let owned, !owned.contains(ride.source ?? "") {
                resumable[ride.stream] = ride
                continue
            }
            let i = addAssembler(ride.stream, source: ride.source ?? "", resume: ride)
            lastSeen[i] = sourceClock
        }
        if !rides.isEmpty { logger.info("\(rides.count) open ride(s) to resume") }
    }

    private mutating func addAssembler(_ stream: String, source: String, resume: OpenRide?) -> Int {
        var assembler = RideAssembler(stream: stream, zone: options.streamZone, resume: resume)
        assembler.source = source
        index[stream] = assemblers.count
        assemblers.append(assembler)
        lastSeen.append(sourceClock)
        return assemblers.count - 1
    }

    /// Feeds one message. `stream` names the ordered stream it belongs to; with `keyedBy` the
    /// message's own `"key"` member (if any) selects a sub-stream, as `deloton simulate` writes.
    public mutating func accept(_ bytes: UnsafeBufferPointer<UInt8>, source: String, position: Int64,
                                stream: String, splitByMessageKey: Bool = false) {
        if bytes.count > options.maxLineBytes {
            quarantineOversized(OversizedLine(of: bytes), source: source, position: position)
            return
        }
        accept(parser.parse(bytes), of: bytes, source: source, position: position, stream: stream,
               splitByMessageKey: splitByMessageKey)
    }

    /// The same for a line already parsed (by a file's reading task); `raw` is the line, no
    /// longer than `maxLineBytes`, kept only if it goes to quarantine.
    mutating func accept(_ parsed: Result<ParsedMessage, ParseFailure>, of raw: UnsafeBufferPointer<UInt8>,
                         source: String, position: Int64, stream: String, splitByMessageKey: Bool) {
        count(source: source)
        defer { nextPosition = position + 1 }
        switch parsed {
        case .failure(let failure):
            quarantine(raw, source: source, position: position, reason: failure.reason)
        case .success(let message):
            let i: Int
            if splitByMessageKey, let key = message.key {
                i = keyedAssemblerIndex(key, stream: stream, source: source)
            } else {
                i = assemblerIndex(stream, source: source)
            }
            let (verdict, changed, alerting) = Self.consume(message.line, by: &assemblers[i])
            if case .quarantined(let reason) = verdict {
                quarantine(raw, source: source, position: position, reason: reason)
            } else if let refused = message.refusedFields {
                // The ride goes on without these fields; the line is kept to show what was left out.
                quarantine(raw, source: source, position: position, reason: "kept without unusable fields: " + refused)
            }
            if changed { dirty.insert(i) }
            if alerting { alertWaiting = true }
            if case .telemetry = message.line { batchReadings += 1 }
        }
    }

    /// One access to the assembler for the line and what it left pending: reading its flags
    /// through the array instead copies the whole assembler per line (over 40 % of ingest's retains).
    private static func consume(_ line: StreamLine, by assembler: inout RideAssembler)
        -> (RideAssembler.Verdict, changed: Bool, alerting: Bool) {
        let verdict = assembler.consume(line)
        return (verdict, assembler.hasChanges, assembler.hasPendingAlert)
    }

    /// Counts a line of `source` into the batch.
    private mutating func count(source: String) {
        stats.lines += 1
        batch.lineCount += 1
        if batchStarted == nil { batchStarted = .now }
        // Positions go into the batch when the source changes or at flush: a dictionary write
        // per line would cost as much as parsing it.
        if source != currentSource {
            if !currentSource.isEmpty { batch.positions[currentSource] = nextPosition }
            currentSource = source
        }
    }

    /// A line over `maxLineBytes`: what is kept of it goes to quarantine, and it counts as read.
    public mutating func quarantineOversized(_ line: OversizedLine, source: String, position: Int64) {
        count(source: source)
        nextPosition = position + 1
        let reason = "line of \(line.length) bytes is longer than the limit of \(options.maxLineBytes) bytes: "
            + "kept its first \(line.head.count) bytes; SHA-256 \(line.sha256)"
        line.head.withUnsafeBufferPointer { quarantine($0, source: source, position: position, reason: reason) }
    }

    private mutating func quarantine(_ bytes: UnsafeBufferPointer<UInt8>, source: String, position: Int64, reason: String) {
        stats.quarantined += 1
        batch.quarantine.append(QuarantinedLine(source: source, position: position,
                                                raw: String(decoding: bytes, as: UTF8.self), reason: reason))
    }

    private mutating func assemblerIndex(_ stream: String, source: String) -> Int {
        if lastIndex >= 0, stream == lastStream {
            touch(lastIndex)
            return lastIndex
        }
        let i: Int
        if let known = index[stream] {
            i = known
        } else {
            if assemblers.count >= evictAt { evictIdleAssemblers() }
            i = addAssembler(stream, source: source, resume: resumable.removeValue(forKey: stream))
        }
        touch(i)
        lastStream = stream
        lastIndex = i
        return i
    }

    /// The assembler of `key`'s sub-stream of `stream` (`KeyedStreamNames`).
    private mutating func keyedAssemblerIndex(_ key: String, stream: String, source: String) -> Int {
        if stream != lastKeyedStream {
            lastKeyedStream = stream
            keyedNames = .byLineKey(of: stream)
            keyedIndex.removeAll()
        }
        if let i = keyedIndex[key] {
            touch(i)
            return i
        }
        let i = assemblerIndex(keyedNames.name(key), source: source)
        keyedIndex[key] = i
        return i
    }

    /// The stream of assembler `i` has just been heard from.
    private mutating func touch(_ i: Int) {
        if options.rideIdleTimeout != nil { lastSeen[i] = sourceClock }
    }

    /// Drops the assemblers of streams with no open ride and nothing left to hand over. A
    /// stream that speaks again gets a new one, which is what it would have been anyway.
    private mutating func evictIdleAssemblers() {
        var kept: [RideAssembler] = [], keptSeen: [ContinuousClock.Instant] = [], keptDirty = DirtyAssemblers()
        for i in assemblers.indices {
            let isDirty = dirty.contains(i)
            guard assemblers[i].open != nil || isDirty else {
                evictedDuplicates += assemblers[i].duplicateReadings
                continue
            }
            if isDirty { keptDirty.insert(kept.count) }
            kept.append(assemblers[i])
            keptSeen.append(lastSeen[i])
        }
        assemblers = kept
        lastSeen = keptSeen
        dirty = keptDirty
        index = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1.stream, $0) })
        lastIndex = -1
        lastStream = ""
        keyedIndex.removeAll()
        // Doubling keeps the cost per line constant however many streams stay open.
        evictAt = max(1024, kept.count * 2)
    }

    /// The clock silence is measured on: wall-clock time less the time spent waiting for the
    /// warehouse. While a batch waits (an outage, a hung connection) nothing is read, so the bikes
    /// may well be talking: the 60 s of the ride idle timeout must not run out on ingest's own
    /// stall and end every open ride, sending the readings that follow to quarantine.
    private var sourceClock: ContinuousClock.Instant { .now - stalled }

    /// Writes the batch when it is full or old enough, or when `caughtUp` says the source has
    /// nothing more to hand over now; and ends rides of silent streams.
    public mutating func tick(caughtUp: Bool = false) async throws {
        if let timeout = options.rideIdleTimeout {
            let now = sourceClock
            for i in assemblers.indices where assemblers[i].open != nil && now - lastSeen[i] > timeout {
                logger.info("stream \(assemblers[i].stream) silent for \(timeout): ending its ride")
                assemblers[i].endRide()
                dirty.insert(i)
                if batchStarted == nil { batchStarted = .now }
            }
        }
        // An alert goes as soon as the writer is free: while a write is in flight, reading goes
        // on and the batch grows. Waiting for the writer instead made a batch per alert in a busy
        // stream, each a few thousand readings paying a whole transaction's round trips (the file
        // ingest of issue 19 item 7). A full or old batch, or a source with nothing more to hand
        // over (`caughtUp`), waits for the writer: that bounds what a batch holds, as before.
        if caughtUp || batchReadings >= options.maxBatchReadings || (alertWaiting && !isWriting)
            || (batchStarted.map { .now - $0 >= options.maxBatchDelay } ?? false) {
            try await flush()
        }
    }

    /// The batch should be written now rather than at the next time-based tick.
    public var isBatchFull: Bool { (alertWaiting && !isWriting) || batchReadings >= options.maxBatchReadings }

    /// A batch handed over is still being written.
    private var isWriting: Bool { inflightEnded.map { !$0.isSet } ?? false }

    static let historyReason = "not mailed: back-filled history, the rider left the bike long ago"

    /// Hands the current batch to the warehouse (after the previous one has committed).
    public mutating func flush() async throws {
        for i in dirty.indices { assemblers[i].drain(into: &batch) }
        dirty.removeAll()
        if let from = options.mailAlertsFrom {
            for i in batch.rides.indices where batch.rides[i].alert.map({ $0.raisedAt < from }) ?? false {
                batch.rides[i].alert?.unmailedReason = Self.historyReason
            }
        }
        if !currentSource.isEmpty { batch.positions[currentSource] = nextPosition }
        try await awaitInflight()
        guard !batch.isEmpty else { batchStarted = nil; return }
        let toWrite = batch
        batch = IngestBatch()
        batchReadings = 0
        batchStarted = nil
        alertWaiting = false
        let warehouse = self.warehouse, logger = self.logger, onCommitted = self.onCommitted
        let openRides = assemblers.reduce(0) { $0 + ($1.open == nil ? 0 : 1) }
        // The owner hears of the commit inside the write task, so alert delivery and offset
        // commits do not wait for the next batch to be handed over.
        let ended = WriteEnded()
        inflightEnded = ended
        inflight = Task {
            defer { ended.set() }
            let outcome = try await BatchIsolation.write(toWrite, to: warehouse, logger: logger)
            let committed = CommittedBatch(positions: toWrite.positions, outcome: outcome, readings: toWrite.readingCount,
                                           openRides: openRides)
            try await onCommitted(committed)
            return committed
        }
    }

    /// End of a finite input: every open ride ends, and everything is written.
    public mutating func finish() async throws {
        for i in assemblers.indices where assemblers[i].open != nil {
            assemblers[i].endRide()
            dirty.insert(i)
        }
        try await flush()
        try await awaitInflight()
    }

    /// Writes what is pending without ending rides (shutdown of a live source: they resume later).
    public mutating func drainAndWait() async throws {
        try await flush()
        try await awaitInflight()
    }

    private mutating func awaitInflight() async throws {
        guard let task = inflight else { return }
        inflight = nil
        inflightEnded = nil
        let waitStarted = ContinuousClock.now
        let committed = try await task.value
        stalled += .now - waitStarted
        stats.batches += 1
        stats.readings += committed.readings
        stats.newReadings += committed.outcome.newReadings
        stats.ridesEnded += committed.outcome.endedRideIDs.count
        stats.alerts += committed.outcome.newAlertIDs.count
        stats.duplicates = assemblers.reduce(evictedDuplicates) { $0 + $1.duplicateReadings }
    }

}

/// A flag one task sets and another reads without waiting.
private final class WriteEnded: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
