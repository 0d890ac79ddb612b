/// One second of riding: a `Ride` line and the `Telemetry` line that follows it.
public struct Reading: Sendable, Equatable, Codable {
    /// Whole seconds since the ride began (the Ride line's `duration`): the reading's identity.
    public var elapsed: Int
    /// The Ride line's time.
    public var time: Instant
    public var heartRate: Int
    public var rpm: Int
    public var power: Double
    public var resistance: Int

    public init(elapsed: Int, time: Instant, heartRate: Int, rpm: Int, power: Double, resistance: Int) {
        self.elapsed = elapsed; self.time = time; self.heartRate = heartRate
        self.rpm = rpm; self.power = power; self.resistance = resistance
    }
}

/// What identifies a ride everywhere: seeing it again (replay, redelivery, restart) finds the same ride.
///
/// `startedAt` is the time of the ride's `[SYSTEM]` line: unlike the first reading's time it is
/// known from the ride's first line, so the key never changes while the ride is assembled.
public struct RideKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var riderID: Int
    public var bikeSerial: String
    public var startedAt: Instant

    public init(riderID: Int, bikeSerial: String, startedAt: Instant) {
        self.riderID = riderID; self.bikeSerial = bikeSerial; self.startedAt = startedAt
    }

    public var description: String { "rider \(riderID) on \(bikeSerial) at \(startedAt)" }
}

/// A ride being assembled: everything needed to carry on after a restart.
public struct OpenRide: Sendable, Equatable, Codable {
    public var key: RideKey
    public var stream: String
    public var profile: RiderProfile
    /// `nil` when the birth date is unknown: the rules then use `SafeRange.unknownAge`.
    public var ageAtStart: Int?
    public var startTime: Instant
    public var endTime: Instant?
    /// The elapsed second of the last reading kept; later readings must go past it.
    public var lastElapsed: Int
    /// The `duration` of the last Ride line seen, duplicates included: a fall back to 1 ends the ride.
    public var lastSeenDuration: Int
    public var totals: RideTotals
    public var monitor: HeartRateMonitor
    /// A Ride line still waiting for its Telemetry line: saved with the state, because the
    /// source position saved beside it is already past that line.
    public var pendingLine: PendingRideLine?
    /// The source that feeds the ride's stream (a file, a Kafka partition): after a restart, the
    /// process that reads that source is the one to carry the ride on or end it.
    public var source: String?

    public init(key: RideKey, stream: String, profile: RiderProfile, ageAtStart: Int?) {
        self.key = key; self.stream = stream; self.profile = profile; self.ageAtStart = ageAtStart
        startTime = key.startedAt
        endTime = nil
        lastElapsed = 0
        lastSeenDuration = 0
        totals = RideTotals()
        monitor = HeartRateMonitor(range: SafeRange(age: ageAtStart, gender: Gender(profile.gender)))
    }

    /// Takes a new reading; returns the offending run when it raises the ride's alert.
    mutating func add(_ reading: Reading) -> [HeartRateSample]? {
        if totals.readingCount == 0 { startTime = reading.time }
        endTime = reading.time
        lastElapsed = reading.elapsed
        totals.add(reading)
        return monitor.observe(elapsed: reading.elapsed, time: reading.time, heartRate: reading.heartRate)
    }
}

/// A Ride line whose Telemetry line has not come yet.
public struct PendingRideLine: Sendable, Equatable, Codable {
    public var time: Instant
    public var elapsed: Int
    public var resistance: Int
    /// A repeat of a reading already kept: its Telemetry line is dropped too.
    public var duplicate: Bool
}

/// The state of a ride as written to the warehouse: upserted whole, so writing it twice is harmless.
public struct RideSnapshot: Sendable, Equatable {
    public var key: RideKey
    public var stream: String
    public var rider: Rider
    /// The address the ride's own `[SYSTEM]` line gave: alerts go there.
    public var email: String
    public var gender: String
    /// The age the rules used: `SafeRange.unknownAge` when the birth date is unknown.
    public var ageAtStart: Int
    public var startTime: Instant
    public var endTime: Instant?
    public var totals: RideTotals
    public var inProgress: Bool
    /// Saved while the ride is open so that a restart carries on with it.
    public var state: OpenRide?

    public var metrics: RideMetrics { totals.metrics }
}

/// An abnormal heart-rate alert, raised by the third consecutive out-of-range reading.
public struct AlertEvent: Sendable, Equatable, Codable {
    public var rideKey: RideKey
    public var riderID: Int
    public var riderName: String
    public var email: String
    public var gender: String
    /// `nil` when the birth date is unknown and the default range was used.
    public var age: Int?
    public var range: SafeRange
    public var samples: [HeartRateSample]
    /// The time of the reading that completed the run.
    public var raisedAt: Instant
    /// Set when the alert is recorded but must never be mailed (a back-filled ride from the
    /// past: nobody is on the bike to warn); stored as the failed alert's reason.
    public var unmailedReason: String?
}

/// What changed about one ride since the last write.
public struct RideChange: Sendable, Equatable {
    public var snapshot: RideSnapshot
    /// Readings not yet written, in elapsed order.
    public var readings: [Reading]
    public var alert: AlertEvent?
}

/// A line that could not be used, with where it came from and why.
public struct QuarantinedLine: Sendable, Equatable {
    public var source: String
    public var position: Int64
    public var raw: String
    public var reason: String

    public init(source: String, position: Int64, raw: String, reason: String) {
        self.source = source; self.position = position; self.raw = raw; self.reason = reason
    }
}

/// Everything one warehouse transaction writes.
public struct IngestBatch: Sendable {
    public var rides: [RideChange] = []
    public var quarantine: [QuarantinedLine] = []
    /// Per source, the next position to read once this batch is committed.
    public var positions: [String: Int64] = [:]
    /// Lines seen (parsed or not) while this batch was built, for throughput figures.
    public var lineCount = 0

    public init() {}

    public var readingCount: Int { rides.reduce(0) { $0 + $1.readings.count } }
    public var alertCount: Int { rides.reduce(0) { $0 + ($1.alert == nil ? 0 : 1) } }
    public var isEmpty: Bool { rides.isEmpty && quarantine.isEmpty && positions.isEmpty }
}
