import DelotonCore
@testable import DelotonIngest
import DelotonTestSupport
import Foundation
import Testing

/// The simulated heart answers effort as the real rider's did, and reaches less with age.
@Suite struct HeartModelTests {
    /// (heart rate, power) per second of the real capture.
    static func capture() throws -> [(hr: Int, power: Double)] {
        var parser = LineParser()
        var out: [(Int, Double)] = []
        for line in try String(contentsOfFile: TestPaths.realSample, encoding: .utf8).split(separator: "\n") {
            guard case .success(let m) = parser.parse(Array(line.utf8)), case .telemetry(_, let hr, _, let power) = m.line else { continue }
            out.append((hr, power))
        }
        return out
    }

    @Test func replayingTheCapturesPowerGivesBackItsHeartRate() throws {
        // The capture's rider: a man of 43, 83 kg, resting near 72 bpm.
        let seconds = try Self.capture()
        #expect(seconds.count > 400)
        var heart = HeartModel(age: 43, gender: .male, weightKg: 83, resting: 72)
        var squares = 0.0, n = 0
        for s in seconds {
            let modelled = heart.step(power: s.power)
            guard s.hr > 0 else { continue }
            squares += (modelled - Double(s.hr)) * (modelled - Double(s.hr))
            n += 1
        }
        let rms = (squares / Double(max(1, n))).squareRoot()
        #expect(rms < 12, "the model is \(rms) bpm RMS from the capture's heart rate")
    }

    /// Heart rate after `seconds` at `watts`, then its highest value over a further minute at 15 W.
    static func response(age: Int, watts: Double, seconds: Int) -> (during: Double, peak: Double) {
        var heart = HeartModel(age: age, gender: .male, weightKg: 80, resting: 65)
        var during = 0.0
        for _ in 0..<seconds { during = heart.step(power: watts) }
        var peak = during
        for _ in 0..<60 { peak = max(peak, heart.step(power: 15)) }
        return (during, peak)
    }

    @Test func heartRateRisesWithEffortAndStaysInTheSafeRange() {
        let easy = Self.response(age: 35, watts: 60, seconds: 300), hard = Self.response(age: 35, watts: 250, seconds: 300)
        #expect(hard.during > easy.during + 20, "250 W gives \(hard.during) bpm, 60 W \(easy.during)")
        // A 20 s block near 700 W, as in the capture: the heart goes on rising after it.
        let block = Self.response(age: 35, watts: 700, seconds: 20)
        #expect(block.peak > 65 + 25 && block.peak > block.during, "after the block: \(block)")
        let flatOut = Self.response(age: 35, watts: 2_000, seconds: 1_200)
        #expect(flatOut.peak < SafeRange(age: 35, gender: .male).maximum)
    }

    @Test func anOlderHeartReachesLess() {
        let young = Self.response(age: 25, watts: 400, seconds: 900), old = Self.response(age: 70, watts: 400, seconds: 900)
        #expect(old.peak < young.peak - 15, "at 70: \(old.peak) bpm, at 25: \(young.peak)")
        #expect(old.peak < SafeRange(age: 70, gender: .male).maximum)
    }

    @Test func simulatedRidesFollowTheirRidersAge() {
        // Over many rides without excursions, riders under 35 reach higher heart rates than riders over 60.
        var generator = RideGenerator(seed: 11, excursionChance: 0)
        let start = LocalDateTime(year: 2026, month: 5, day: 1, hour: 8, minute: 0, second: 0)
        var young: [Int] = [], old: [Int] = []
        for n in 0..<300 {
            let ride = generator.nextRide(bike: "SN\(n)", start: start, seconds: 480)
            let peak = ride.seconds.map(\.hr).max() ?? 0
            let range = SafeRange(age: ride.profile.age(on: start.date), gender: Gender(ride.profile.gender))
            #expect(ride.seconds.allSatisfy { !range.isOutOfRange($0.hr) }, "an alert without an excursion")
            switch ride.profile.age(on: start.date) ?? 0 {
            case ..<35: young.append(peak)
            case 60...: old.append(peak)
            default: break
            }
        }
        let mean = { (xs: [Int]) in Double(xs.reduce(0, +)) / Double(max(1, xs.count)) }
        #expect(young.count > 10 && old.count > 10)
        #expect(mean(young) > mean(old), "peaks: under 35 \(mean(young)), 60 and over \(mean(old))")
    }
}

/// When simulated rides happen: a finite stream that is not real time is history ending now;
/// `run`'s back-fill follows a gym's opening hours, then goes live.
@Suite struct SimulatedTimeTests {
    static let now = LocalDateTime(year: 2026, month: 12, day: 3, hour: 13, minute: 20, second: 7)

    static func overlaps(_ rides: [SimulatedRide]) -> Int {
        var count = 0
        for group in Dictionary(grouping: rides, by: \.profile.userID).values {
            let spans = group.map { ($0.start.naiveMicroseconds, $0.endTime.naiveMicroseconds) }.sorted { $0.0 < $1.0 }
            count += zip(spans, spans.dropFirst()).filter { $0.0.1 >= $0.1.0 }.count
        }
        return count
    }

    @Test(arguments: [1, 3, 7]) func ridesEndingNowAreAllInThePast(bikes: Int) {
        var sim = StreamSimulator(seed: 5, bikes: bikes, rides: 200, endingAt: Self.now, minSeconds: 60, maxSeconds: 520, keepHistory: true)
        var last: Int64 = .min, lines = 0
        while let line = sim.next() {
            #expect(line.time.naiveMicroseconds <= Self.now.naiveMicroseconds)
            last = max(last, line.time.naiveMicroseconds)
            lines += 1
        }
        #expect(sim.written.count == 200 && sim.ridesFinished == 200)
        #expect(sim.written.allSatisfy { $0.endTime.naiveMicroseconds <= Self.now.naiveMicroseconds })
        // It ends now, not hours ago: the last line is within a few seconds of now.
        #expect(Self.now.naiveMicroseconds - last < 20_000_000, "the last line is \(Self.now.naiveMicroseconds - last) µs before now")
        #expect(Self.overlaps(sim.written) == 0, "a rider rides two bikes at once")
    }

    @Test func aBackFillFollowsOpeningHoursThenGoesLive() {
        let from = LocalDateTime(naiveMicroseconds: Self.now.naiveMicroseconds - 7 * 86_400_000_000)
        var sim = StreamSimulator(seed: 8, bikes: 3, rides: nil, start: from, keepHistory: true, openingHoursUntil: Self.now)
        let oneHourLive = Self.now.naiveMicroseconds + 3_600_000_000
        while let line = sim.next(), line.time.naiveMicroseconds < oneHourLive {}
        let history = sim.written.filter { $0.start.naiveMicroseconds < Self.now.naiveMicroseconds }
        let live = sim.written.filter { $0.start.naiveMicroseconds >= Self.now.naiveMicroseconds }
        let hour: Int64 = 3_600_000_000
        #expect(history.allSatisfy { (6..<22).contains(Int($0.start.microsecondOfDay / hour)) }, "a ride while the gym is closed")
        let perDay = Double(history.count) / 7
        #expect((20...110).contains(perDay), "\(perDay) rides a day on 3 bikes")
        // Live, every bike rides one ride after another: about 7 an hour each.
        #expect(live.count >= 12, "\(live.count) rides in the first live hour")
        #expect(Self.overlaps(sim.written) == 0, "a rider rides two bikes at once")
    }
}
