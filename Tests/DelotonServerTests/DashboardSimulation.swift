import DelotonCore
import DelotonStore
import Foundation

/// Simulated bikes for the dashboard tests and benchmark: stream lines generated here go
/// through DelotonCore's `RideAssembler`, exactly as ingest does, and come out as batches.
struct DashboardSimulation {
    struct Rider {
        var id: Int
        var name: String
        var gender: String
        var birthYear: Int
    }

    private var assemblers: [String: RideAssembler] = [:]
    private var elapsed: [String: Int] = [:]
    private var random: SeededRandom

    init(seed: UInt64 = 42) { random = SeededRandom(seed: seed) }

    /// A `[SYSTEM]` line on `bike` at `time`: a new ride begins.
    mutating func startRide(bike: String, rider: Rider, at time: Instant) {
        var a = assemblers[bike] ?? RideAssembler(stream: "sim:" + bike, zone: .utc)
        _ = a.consume(.beginningOfRide)
        _ = a.consume(.system(Self.local(time), Self.profile(rider, bike: bike)))
        assemblers[bike] = a
        elapsed[bike] = 0
    }

    /// One second of riding: a Ride line and its Telemetry line. Values wander like a real ride.
    mutating func ride(bike: String, at time: Instant, heartRate: Int? = nil) {
        guard var a = assemblers[bike] else { return }
        let second = (elapsed[bike] ?? 0) + 1
        elapsed[bike] = second
        let phase = Double(second) / 20
        let rpm = max(0, Int(62 + 18 * sin(phase) + Double(random.next() % 9)))
        let resistance = Int(40 + 25 * sin(phase / 3) + Double(random.next() % 5))
        let power = Double(rpm) * Double(resistance) / 22 + Double(random.next() % 100) / 10
        let hr = heartRate ?? Int(105 + 20 * sin(phase / 2) + Double(random.next() % 6))
        _ = a.consume(.ride(Self.local(time), duration: second, resistance: resistance))
        _ = a.consume(.telemetry(Self.local(time.adding(seconds: 0.5)), heartRate: hr, rpm: rpm, power: power))
        assemblers[bike] = a
    }

    mutating func endRide(bike: String) {
        assemblers[bike]?.endRide()
    }

    /// Everything since the last call, for one warehouse transaction.
    mutating func drain() -> IngestBatch {
        var batch = IngestBatch()
        for key in assemblers.keys.sorted() {
            assemblers[key]?.drain(into: &batch)
        }
        return batch
    }

    /// Finished rides spread over the last `hours` (but the last quarter of an hour): what the recent-rides charts show.
    /// Riders cycle through `riders`; each ride has `readings` seconds.
    mutating func history(rides: Int, riders: [Rider], now: Instant, hours: Double, readings: Int = 20) -> IngestBatch {
        var batch = IngestBatch()
        for i in 0..<rides {
            let bike = "HIST\(i % 50)"
            // The newest ends a quarter of an hour ago: off the live board, inside any window.
            let start = now.adding(seconds: -900 - (hours * 3600 - 900) * (Double(i) + 0.5) / Double(rides) - Double(readings))
            startRide(bike: bike, rider: riders[i % riders.count], at: start)
            for s in 1...readings { ride(bike: bike, at: start.adding(seconds: Double(s))) }
            endRide(bike: bike)
            assemblers[bike]?.drain(into: &batch)
        }
        return batch
    }

    static func local(_ t: Instant) -> LocalDateTime {
        let day: Int64 = 86_400_000_000
        let us = t.microseconds
        let days = us >= 0 ? us / day : (us - day + 1) / day
        return LocalDateTime(date: CivilDate(daysSinceEpoch: Int(days)), microsecondOfDay: us - days * day)
    }

    static func profile(_ r: Rider, bike: String) -> RiderProfile {
        let birth = CivilDate(year: r.birthYear, month: 3, day: 15)
        return RiderProfile(
            userID: r.id, name: r.name, gender: r.gender, address: "1 High Street,London,EC1A 1BB",
            dateOfBirthMs: Int64(birth.daysSinceEpoch) * 86_400_000, email: "rider\(r.id)@example.com",
            heightCm: 175, weightKg: 72, accountCreateDateMs: 1_640_995_200_000, bikeSerial: bike,
            originalSource: "direct")
    }

    static func now() -> Instant { Instant(seconds: Date().timeIntervalSince1970) }
}
