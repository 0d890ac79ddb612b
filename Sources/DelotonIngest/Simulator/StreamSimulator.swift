import DelotonCore

/// Many bikes riding at once: each bike rides one ride after another, and their lines are
/// merged in time order, tagged with the bike's serial.
public struct StreamSimulator: Sendable {
    public struct Line: Sendable {
        public var bike: String
        public var time: LocalDateTime
        public var text: String
    }

    public var generator: RideGenerator
    public let bikes: [String]
    /// Total rides to write; nil for an endless stream.
    public let rideLimit: Int?
    public private(set) var ridesStarted = 0
    /// Every ride written so far, for tests that compare with what was ingested.
    public private(set) var written: [SimulatedRide] = []
    public let keepHistory: Bool

    private var queues: [[(time: LocalDateTime, text: String)]]
    private var cursors: [Int]
    private var nextStart: [LocalDateTime]
    private var heap: [(time: Int64, bike: Int)] = []

    public init(seed: UInt64, bikes: Int, rides: Int?, start: LocalDateTime,
                minSeconds: Int = 350, maxSeconds: Int = 520, excursionChance: Double = 0.15, keepHistory: Bool = false) {
        self.keepHistory = keepHistory
        generator = RideGenerator(seed: seed, minSeconds: minSeconds, maxSeconds: maxSeconds, excursionChance: excursionChance)
        self.bikes = (0..<max(1, bikes)).map { "SN" + String(repeating: "0", count: max(0, 4 - String($0).count)) + String($0) }
        rideLimit = rides
        queues = Array(repeating: [], count: self.bikes.count)
        cursors = Array(repeating: 0, count: self.bikes.count)
        // Bikes start a few seconds apart, as real riders do.
        nextStart = (0..<self.bikes.count).map { LocalDateTime(naiveMicroseconds: start.naiveMicroseconds + Int64($0) * 1_700_000) }
        for b in 0..<self.bikes.count { refill(b) }
    }

    /// The next line in time order, or nil when every ride has been written.
    public mutating func next() -> Line? {
        guard !heap.isEmpty else { return nil }
        let b = heap[0].bike
        let entry = queues[b][cursors[b]]
        cursors[b] += 1
        if cursors[b] < queues[b].count {
            heap[0].time = queues[b][cursors[b]].time.naiveMicroseconds
            siftDown(0)
        } else {
            popTop()
            refill(b)
        }
        return Line(bike: bikes[b], time: entry.time, text: entry.text)
    }

    private mutating func refill(_ b: Int) {
        if let limit = rideLimit, ridesStarted >= limit { queues[b] = []; return }
        let ride = generator.nextRide(bike: bikes[b], start: nextStart[b])
        ridesStarted += 1
        if keepHistory { written.append(ride) }
        queues[b] = ride.lines()
        cursors[b] = 0
        // A short pause between riders.
        nextStart[b] = LocalDateTime(naiveMicroseconds: ride.endTime.naiveMicroseconds + SimulatedRide.tickMicros)
        push((queues[b][0].time.naiveMicroseconds, b))
    }

    private mutating func push(_ e: (time: Int64, bike: Int)) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(heap[i], heap[p]) else { break }
            heap.swapAt(i, p); i = p
        }
    }

    private mutating func popTop() {
        heap[0] = heap[heap.count - 1]
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, less(heap[l], heap[m]) { m = l }
            if r < heap.count, less(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m); i = m
        }
    }

    private func less(_ a: (time: Int64, bike: Int), _ b: (time: Int64, bike: Int)) -> Bool {
        a.time != b.time ? a.time < b.time : a.bike < b.bike
    }
}
