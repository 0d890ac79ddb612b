import DelotonCore
import Foundation

/// The built-in ride simulator as a live source: lines are produced when their time comes
/// (real time, or `speed` times faster), or as fast as possible when `speed` is nil.
public struct SimulatorSource: Sendable {
    public var simulator: StreamSimulator
    public var speed: Double?
    public static let sourceName = "simulator"

    public init(simulator: StreamSimulator, speed: Double?) {
        self.simulator = simulator
        self.speed = speed
    }

    /// Wall-clock "now" in the stream's zone: where a real-time simulation starts.
    public static func now(in zone: Zone) -> LocalDateTime {
        let instant = Instant(seconds: Date().timeIntervalSince1970)
        return LocalDateTime(naiveMicroseconds: instant.microseconds + Int64(zone.offsetSeconds(at: instant)) * 1_000_000)
    }

    public mutating func run(into pipeline: inout IngestPipeline, stop: @Sendable () -> Bool = { false }) async throws {
        var position: Int64 = 0
        let clock = ContinuousClock()
        let started = clock.now
        var firstLineTime: Int64?
        while !stop(), let line = simulator.next() {
            if let speed {
                let t0 = firstLineTime ?? line.time.naiveMicroseconds
                firstLineTime = t0
                let due = started + .microseconds(Double(line.time.naiveMicroseconds - t0) / speed)
                while clock.now < due, !stop() {
                    try await pipeline.tick()
                    try await clock.sleep(until: min(due, clock.now + .milliseconds(50)))
                }
            }
            position += 1
            var bytes = Array(WireFormat.message(line.text, key: line.bike).utf8)
            bytes.withUnsafeBufferPointer {
                pipeline.accept($0, source: Self.sourceName, position: position, stream: Self.sourceName, splitByMessageKey: true)
            }
            bytes.removeAll()
            if pipeline.isBatchFull { try await pipeline.tick() }
        }
    }
}
