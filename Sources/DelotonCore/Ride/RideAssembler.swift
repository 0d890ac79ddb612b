/// Turns one stream's lines into rides and readings (domain.md, Riders, bikes, rides, readings).
///
/// One assembler per stream (a file, a Kafka partition or key, a simulated bike). It holds the
/// open ride and the readings not yet handed over; `drain` hands them over for one warehouse
/// transaction. Pure: time zones come in, no clock is read.
public struct RideAssembler: Sendable {
    public enum Verdict: Sendable, Equatable {
        case accepted
        /// A duplicate reading, a Ride line whose Telemetry never came, or a boundary: nothing to keep.
        case ignored
        case quarantined(String)
    }

    public static let unattributedReason = "reading before any [SYSTEM] line of its ride: cannot be attributed to a rider"

    public let stream: String
    /// The source feeding this stream, recorded in each ride's saved state.
    public var source: String?
    public private(set) var open: OpenRide?
    private var zone: Zone
    private var unsaved: [Reading] = []
    private var pendingAlert: AlertEvent?
    /// Kept apart from `pendingAlert` and `finished`: the pipeline asks after every line.
    private var alertUndrained = false
    private var openDirty = false
    private var finished: [RideChange] = []
    private var boundarySeen = false

    public private(set) var duplicateReadings = 0
    public private(set) var droppedRideLines = 0

    /// `resume` is an open ride saved by an earlier run on this stream.
    public init(stream: String, zone: Zone, resume: OpenRide? = nil) {
        self.stream = stream
        self.zone = zone
        self.open = resume
    }

    public var hasChanges: Bool { openDirty || !finished.isEmpty }
    /// An alert was raised and has not been handed over yet.
    public var hasPendingAlert: Bool { alertUndrained }

    public mutating func consume(_ line: StreamLine) -> Verdict {
        switch line {
        case .beginningOfMain, .beginningOfRide:
            // The ride ends here, unless what follows is the same ride's [SYSTEM] line again
            // (a redelivery from before its start): decided at the next line.
            boundarySeen = true
            return .ignored
        case .gettingUserData:
            return .accepted
        case .system(let local, let profile):
            boundarySeen = false
            return startRide(at: zone.instant(of: local), local: local, profile: profile)
        case .ride(let local, let duration, let resistance):
            if boundarySeen { boundarySeen = false; endRide() }
            return rideLine(time: zone.instant(of: local), duration: duration, resistance: resistance)
        case .telemetry(_, let hr, let rpm, let power):
            if boundarySeen { boundarySeen = false; endRide() }
            return telemetryLine(heartRate: hr, rpm: rpm, power: power)
        }
    }

    /// Ends the open ride: end of a finite input, or the stream fell silent.
    public mutating func endRide() {
        boundarySeen = false
        guard let ride = open else { return }
        if ride.pendingLine != nil { droppedRideLines += 1 }
        finished.append(change(of: ride, inProgress: false))
        open = nil
        openDirty = false
        unsaved.removeAll()
        pendingAlert = nil
    }

    /// Hands over what changed since the last call: ended rides, and the open ride's progress.
    public mutating func drain(into batch: inout IngestBatch) {
        batch.rides.append(contentsOf: finished)
        finished.removeAll()
        if openDirty, let ride = open {
            batch.rides.append(change(of: ride, inProgress: true))
            unsaved.removeAll(keepingCapacity: true)
            pendingAlert = nil
            openDirty = false
        }
        alertUndrained = false
    }

    // MARK: -

    private mutating func startRide(at time: Instant, local: LocalDateTime, profile: RiderProfile) -> Verdict {
        let key = RideKey(riderID: profile.userID, bikeSerial: profile.bikeSerial, startedAt: time)
        if var ride = open, ride.key == key {
            // The same ride seen again from its start (redelivery after a restart): keep its
            // progress, and read what follows as duplicates rather than as a duration reset.
            ride.lastSeenDuration = 0
            open = ride
            return .accepted
        }
        endRide()
        open = OpenRide(key: key, stream: stream, profile: profile, ageAtStart: profile.age(on: local.date))
        open?.source = source
        openDirty = true
        return .accepted
    }

    private mutating func rideLine(time: Instant, duration: Int, resistance: Int) -> Verdict {
        // One mutating call through `open?`, for the reason given at `telemetryLine`.
        guard let outcome = open?.takeRideLine(time: time, duration: duration, resistance: resistance) else {
            return .quarantined(Self.unattributedReason)
        }
        if outcome.droppedPending { droppedRideLines += 1 }
        if outcome.fellBack {
            // The duration fell back: a new ride began whose [SYSTEM] line we never saw.
            endRide()
            return .quarantined(Self.unattributedReason)
        }
        openDirty = true
        return outcome.duplicate ? .ignored : .accepted
    }

    private mutating func telemetryLine(heartRate: Int, rpm: Int, power: Double) -> Verdict {
        // One mutating call through `open?`: testing `open` and reading its pending line first
        // made the compiler copy the whole ride (480 bytes, and a retain of each of its strings)
        // for every reading.
        guard let outcome = open?.completePendingLine(heartRate: heartRate, rpm: rpm, power: power) else {
            return .quarantined(Self.unattributedReason)
        }
        switch outcome {
        case .noRideLine:
            return .quarantined("Telemetry line without its Ride line")
        case .duplicate:
            duplicateReadings += 1
            return .ignored
        case .added(let reading, let samples):
            if let samples, let ride = open {
                alertUndrained = true
                pendingAlert = AlertEvent(
                    rideKey: ride.key, riderID: ride.key.riderID, riderName: ride.profile.name,
                    email: ride.profile.email, gender: ride.profile.gender, age: ride.ageAtStart,
                    range: ride.monitor.range, samples: samples, raisedAt: reading.time)
            }
            unsaved.append(reading)
            openDirty = true
            return .accepted
        }
    }

    private func change(of ride: OpenRide, inProgress: Bool) -> RideChange {
        let snapshot = RideSnapshot(
            key: ride.key, stream: stream, rider: Rider(cleaning: ride.profile), email: ride.profile.email,
            gender: ride.profile.gender, ageAtStart: ride.ageAtStart ?? SafeRange.unknownAge, startTime: ride.startTime,
            endTime: ride.endTime, totals: ride.totals, inProgress: inProgress, state: inProgress ? ride : nil)
        return RideChange(snapshot: snapshot, readings: unsaved, alert: pendingAlert)
    }
}

/// What a Ride line did to the open ride.
private struct RideLineOutcome {
    /// A Ride line was still waiting for its Telemetry line, and is dropped.
    var droppedPending: Bool
    /// The duration fell back to the start: the ride is not this line's (nothing else changed).
    var fellBack: Bool
    /// The line is for a second already kept.
    var duplicate: Bool
}

/// What a Telemetry line did to the open ride.
private enum TelemetryOutcome {
    /// No Ride line waits for it: nothing changed.
    case noRideLine
    /// It completed a Ride line for a second already kept.
    case duplicate
    /// A new reading, and the heart-rate samples of an alert it raised.
    case added(Reading, alert: [HeartRateSample]?)
}

private extension OpenRide {
    /// Takes a Ride line: it waits in `pendingLine` for its Telemetry line.
    mutating func takeRideLine(time: Instant, duration: Int, resistance: Int) -> RideLineOutcome {
        let dropped = pendingLine != nil
        pendingLine = nil
        if duration <= 1, lastSeenDuration > 1 {
            return RideLineOutcome(droppedPending: dropped, fellBack: true, duplicate: false)
        }
        lastSeenDuration = duration
        // Elapsed second 0 is a reading like any other: only a second already kept repeats.
        let duplicate = totals.readingCount > 0 && duration <= lastElapsed
        pendingLine = PendingRideLine(time: time, elapsed: duration, resistance: resistance, duplicate: duplicate)
        return RideLineOutcome(droppedPending: dropped, fellBack: false, duplicate: duplicate)
    }

    /// Completes the pending Ride line with the Telemetry line's values.
    mutating func completePendingLine(heartRate: Int, rpm: Int, power: Double) -> TelemetryOutcome {
        guard let p = pendingLine else { return .noRideLine }
        pendingLine = nil
        if p.duplicate { return .duplicate }
        let reading = Reading(elapsed: p.elapsed, time: p.time, heartRate: heartRate, rpm: rpm,
                              power: power, resistance: p.resistance)
        return .added(reading, alert: add(reading))
    }
}
