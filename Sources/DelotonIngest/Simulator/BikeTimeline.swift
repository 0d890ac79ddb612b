import DelotonCore
import Foundation

/// When one bike's rides start and how long they last.
///
/// Drawn from the bike's own random stream, apart from who rides and how, so a whole
/// schedule can be laid out before any ride is made: that is how a finite stream is placed
/// to end "now" (`StreamSimulator(endingAt:)`).
struct BikeTimeline: Sendable {
    private var random: SeededRandom
    /// Where the next ride starts.
    private var nextStart: LocalDateTime
    /// Rides still to come; nil for an endless bike.
    private var remaining: Int?
    let minSeconds: Int, maxSeconds: Int
    /// Until this time the bike is ridden as a gym's bike is (opening hours, busy mornings and
    /// evenings); from it on, one ride follows another, as the live demo wants.
    let openingHoursUntil: LocalDateTime?

    init(seed: UInt64, bike: Int, start: LocalDateTime, rides: Int?, minSeconds: Int, maxSeconds: Int,
         openingHoursUntil: LocalDateTime? = nil) {
        // A stream apart from the riders' (which draws from `seed` itself) for each bike.
        random = SeededRandom(seed: seed ^ (0x5DEE_CE66_D1CE_B00C &+ UInt64(bike) &* 0x2545_F491_4F6C_DD1D))
        nextStart = start
        remaining = rides
        self.minSeconds = minSeconds
        self.maxSeconds = maxSeconds
        self.openingHoursUntil = openingHoursUntil
        nextStart = idleUntil(after: start)
    }

    /// The next ride's start and its length in seconds, or nil when the bike has ridden its share.
    mutating func next() -> (start: LocalDateTime, seconds: Int)? {
        if let r = remaining {
            guard r > 0 else { return nil }
            remaining = r - 1
        }
        let start = nextStart
        let seconds = Int.random(in: minSeconds...maxSeconds, using: &random)
        // The next rider gets on one tick after this ride's last line (SimulatedRide.endTime).
        let end = LocalDateTime(naiveMicroseconds: start.naiveMicroseconds + Int64(2 * seconds + 3) * SimulatedRide.tickMicros)
        nextStart = idleUntil(after: end)
        return (start, seconds)
    }

    /// Where the bike's last ride (of a finite share) ends, without drawing from this timeline.
    func lastEnd() -> LocalDateTime {
        var copy = self
        var end = nextStart
        while let ride = copy.next() {
            end = LocalDateTime(naiveMicroseconds: ride.start.naiveMicroseconds + Int64(2 * ride.seconds + 2) * SimulatedRide.tickMicros)
        }
        return end
    }

    /// Share of the hour a bike is ridden, by local hour: closed from 22:00 to 06:00, busy before
    /// and after work. About 15 rides a bike a day (measured), so the default 3 bikes give about
    /// 45, near the 41 of interface.md's example day.
    static let busyShare: [Double] = [0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.25, 0.1, 0.05, 0.05,
                                      0.15, 0.1, 0.05, 0.05, 0.1, 0.25, 0.3, 0.2, 0.1, 0.05, 0, 0]

    /// When a bike free at `time` is next ridden: an idle wait as long on average as the hour's
    /// share asks for, the next opening when closed, and never later than the live stream's start.
    private mutating func idleUntil(after time: LocalDateTime) -> LocalDateTime {
        guard let until = openingHoursUntil, time.naiveMicroseconds < until.naiveMicroseconds else { return time }
        var t = time.naiveMicroseconds
        let hour: Int64 = 3_600_000_000
        let meanRide = Double(minSeconds + maxSeconds + 3) * Double(SimulatedRide.tickMicros)
        func share(_ t: Int64) -> Double { Self.busyShare[Int(LocalDateTime(naiveMicroseconds: t).microsecondOfDay / hour) % 24] }
        for _ in 0..<48 where t < until.naiveMicroseconds {
            let busy = share(t)
            guard busy > 0 else { t = (t / hour + 1) * hour; continue }
            // Exponential waits make a Poisson stream of riders at the hour's rate; one that ends
            // while the gym is closed waits on for the opening.
            let wait = -log(Double.random(in: Double.ulpOfOne..<1, using: &random)) * meanRide * (1 - busy) / busy
            t += Int64(min(wait, Double(hour) * 12))
            if share(t) > 0 { break }
        }
        return LocalDateTime(naiveMicroseconds: min(t, until.naiveMicroseconds))
    }
}
