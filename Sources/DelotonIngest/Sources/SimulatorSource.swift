import DelotonCore
import Foundation

/// The built-in ride simulator as a live source: lines are produced when their time comes
/// (real time, or `speed` times faster), or as fast as possible when `speed` is nil.
///
/// Time is counted from `liveFrom` (`run`'s start, or the first line): lines from before it
/// (a back-filled history) go at once, and a line `x` seconds after it is due `x / speed`
/// seconds after the source started, so a history that took a while to write leaves the live
/// rides in step with the clock.
public struct SimulatorSource: Sendable {
    public var simulator: StreamSimulator
    public var speed: Double?
    public var liveFrom: LocalDateTime
    public static let sourceName = "simulator"

    public init(simulator: StreamSimulator, speed: Double?, liveFrom: LocalDateTime) {
        self.simulator = simulator
        self.speed = speed
        self.liveFrom = liveFrom
    }

    /// Wall-clock "now" in the stream's zone: where a real-time simulation starts.
    public static func now(in zone: Zone) -> LocalDateTime {
        let instant = Instant(seconds: Date().timeIntervalSince1970)
        return LocalDateTime(naiveMicroseconds: instant.microseconds + Int64(zone.offsetSeconds(at: instant)) * 1_000_000)
    }

    /// `caughtUp` is called once, when the lines from before `liveFrom` are all committed.
    public mutating func run(into driver: inout IngestDriver, stop: @Sendable () -> Bool = { false },
                             caughtUp: (IngestStats) async -> Void = { _ in }) async throws {
        var position: Int64 = 0
        let clock = ContinuousClock()
        let started = clock.now
        var live = false
        while !stop(), let line = simulator.next() {
            if !live, line.time.naiveMicroseconds > liveFrom.naiveMicroseconds {
                live = true
                try await driver.drain()
                await caughtUp(driver.stats)
            }
            if let speed, line.time.naiveMicroseconds > liveFrom.naiveMicroseconds {
                let due = started + .microseconds(Double(line.time.naiveMicroseconds - liveFrom.naiveMicroseconds) / speed)
                while clock.now < due, !stop() {
                    try await driver.idle()
                    try await clock.sleep(until: min(due, clock.now + .milliseconds(50)))
                }
            }
            position += 1
            var bytes = Array(WireFormat.message(line.text, key: line.bike).utf8)
            bytes.withUnsafeBufferPointer {
                driver.line($0, source: Self.sourceName, position: position, stream: Self.sourceName, splitByMessageKey: true)
            }
            bytes.removeAll()
            if driver.isBatchFull { try await driver.idle() }
        }
    }
}
