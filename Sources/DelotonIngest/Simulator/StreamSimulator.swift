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
    public private(set) var ridesStarted = 0
    /// Rides whose last line has been handed out.
    public private(set) var ridesFinished = 0
    /// Every ride written so far, for tests that compare with what was ingested.
    public private(set) var written: [SimulatedRide] = []
    public let keepHistory: Bool

    private var timelines: [BikeTimeline]
    private var queues: [[(time: LocalDateTime, text: String)]]
    private var cursors: [Int]
    private var heap: [(time: Int64, bike: Int)] = []

    /// Bikes start a few seconds apart, as real riders do.
    static let stagger: Int64 = 1_700_000

    /// Rides from `start` on, shared out evenly between the bikes (`rides` in all; nil for an
    /// endless stream). With `openingHoursUntil`, bikes are ridden as a gym's are until that
    /// time (a back-filled history), then one ride after another.
    public init(seed: UInt64, bikes: Int, rides: Int?, start: LocalDateTime,
                minSeconds: Int = 350, maxSeconds: Int = 520, excursionChance: Double = 0.15, keepHistory: Bool = false,
                openingHoursUntil: LocalDateTime? = nil) {
        let count = max(1, bikes)
        let (minimum, maximum) = (max(3, minSeconds), max(max(3, minSeconds), maxSeconds))
        let timelines = (0..<count).map { b in
            BikeTimeline(seed: seed, bike: b, start: LocalDateTime(naiveMicroseconds: start.naiveMicroseconds + Int64(b) * Self.stagger),
                         rides: rides.map { Self.share(of: $0, bike: b, bikes: count) }, minSeconds: minimum, maxSeconds: maximum,
                         openingHoursUntil: openingHoursUntil)
        }
        self.init(seed: seed, timelines: timelines, excursionChance: excursionChance, keepHistory: keepHistory)
    }

    /// `rides` in all that have every one ended by `end`: each bike's share is laid out first,
    /// then placed so its last ride ends there (a few seconds apart), so nothing is in the future.
    public init(seed: UInt64, bikes: Int, rides: Int, endingAt end: LocalDateTime,
                minSeconds: Int = 350, maxSeconds: Int = 520, excursionChance: Double = 0.15, keepHistory: Bool = false) {
        let count = max(1, bikes)
        let (minimum, maximum) = (max(3, minSeconds), max(max(3, minSeconds), maxSeconds))
        let timelines = (0..<count).map { b in
            let share = Self.share(of: rides, bike: b, bikes: count)
            let draft = BikeTimeline(seed: seed, bike: b, start: end, rides: share, minSeconds: minimum, maxSeconds: maximum)
            let span = draft.lastEnd().naiveMicroseconds - end.naiveMicroseconds
            let start = LocalDateTime(naiveMicroseconds: end.naiveMicroseconds - span - Int64(b) * Self.stagger)
            return BikeTimeline(seed: seed, bike: b, start: start, rides: share, minSeconds: minimum, maxSeconds: maximum)
        }
        self.init(seed: seed, timelines: timelines, excursionChance: excursionChance, keepHistory: keepHistory)
    }

    private init(seed: UInt64, timelines: [BikeTimeline], excursionChance: Double, keepHistory: Bool) {
        self.keepHistory = keepHistory
        generator = RideGenerator(seed: seed, excursionChance: excursionChance)
        bikes = timelines.indices.map { "SN" + String(repeating: "0", count: max(0, 4 - String($0).count)) + String($0) }
        self.timelines = timelines
        queues = Array(repeating: [], count: timelines.count)
        cursors = Array(repeating: 0, count: timelines.count)
        for b in timelines.indices { refill(b) }
    }

    private static func share(of rides: Int, bike: Int, bikes: Int) -> Int {
        max(0, rides) / bikes + (bike < max(0, rides) % bikes ? 1 : 0)
    }

    /// The wall time of the line `next()` gives next.
    public var nextLineTime: LocalDateTime? { heap.first.map { LocalDateTime(naiveMicroseconds: $0.time) } }

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
            ridesFinished += 1
            popTop()
            refill(b)
        }
        return Line(bike: bikes[b], time: entry.time, text: entry.text)
    }

    private mutating func refill(_ b: Int) {
        guard let slot = timelines[b].next() else { queues[b] = []; return }
        let ride = generator.nextRide(bike: bikes[b], start: slot.start, seconds: slot.seconds)
        ridesStarted += 1
        if keepHistory { written.append(ride) }
        queues[b] = ride.lines()
        cursors[b] = 0
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
