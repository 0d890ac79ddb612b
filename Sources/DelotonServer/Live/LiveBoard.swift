import DelotonCore
import DelotonStore

/// What the live panels show: the newest ride of every bike seen recently and its last
/// minutes of readings. Each poll updates it and says which bikes changed, so the SSE feed
/// sends only those.
struct LiveBoard: Sendable {
    struct Bike: Sendable, Equatable {
        var ride: DashboardQueries.LiveRide
        var range: SafeRange
        var readings: [DashboardQueries.LiveReading]
        var inUse: Bool
    }

    /// What one poll changed.
    struct Change: Sendable {
        /// Bikes new on the board or on a new ride: sent whole.
        var full: [String] = []
        /// Bikes with new readings or a new status: sent with only the new readings.
        var delta: [String: [DashboardQueries.LiveReading]] = [:]
        var gone: [String] = []
        var isEmpty: Bool { full.isEmpty && delta.isEmpty && gone.isEmpty }
    }

    private(set) var bikes: [String: Bike] = [:]
    let options: DashboardOptions

    init(options: DashboardOptions) { self.options = options }

    /// For each live ride, the elapsed second after which readings are still wanted.
    func wanted(_ rides: [DashboardQueries.LiveRide]) -> [Int64: Int] {
        var after: [Int64: Int] = [:]
        for ride in rides {
            if let known = bikes[ride.bikeSerial], known.ride.rideID == ride.rideID {
                // Nothing new unless the ride row moved on.
                if known.ride.readingCount == ride.readingCount && known.ride.lastReadingUs == ride.lastReadingUs { continue }
                after[ride.rideID] = known.readings.last?.elapsed ?? 0
            } else {
                // Elapsed seconds are at least the reading count, so this keeps at least the history.
                after[ride.rideID] = max(0, Int(ride.readingCount) - options.historySeconds - 1)
            }
        }
        return after
    }

    mutating func apply(rides: [DashboardQueries.LiveRide], readings: [DashboardQueries.LiveReading], now: Instant) -> Change {
        var byRide: [Int64: [DashboardQueries.LiveReading]] = [:]
        for r in readings { byRide[r.rideID, default: []].append(r) }
        var change = Change()
        var seen = Set<String>()
        let silentAfterUs = Int64(options.notInUseAfter * 1_000_000)
        for ride in rides {
            seen.insert(ride.bikeSerial)
            let lastUs = ride.lastReadingUs ?? ride.startTimeUs
            let inUse = ride.inProgress && now.microseconds - lastUs <= silentAfterUs
            let fresh = byRide[ride.rideID] ?? []
            if var bike = bikes[ride.bikeSerial], bike.ride.rideID == ride.rideID {
                let moved = bike.inUse != inUse || bike.ride.alertRaised != ride.alertRaised
                    || bike.ride.inProgress != ride.inProgress
                bike.ride = ride
                bike.inUse = inUse
                if !fresh.isEmpty {
                    bike.readings.append(contentsOf: fresh)
                    trim(&bike.readings)
                }
                bikes[ride.bikeSerial] = bike
                if moved || !fresh.isEmpty { change.delta[ride.bikeSerial] = fresh }
            } else {
                var kept = fresh
                trim(&kept)
                bikes[ride.bikeSerial] = Bike(ride: ride, range: SafeRange(age: ride.ageAtStart, gender: Gender(ride.gender)),
                                              readings: kept, inUse: inUse)
                change.full.append(ride.bikeSerial)
            }
        }
        for serial in bikes.keys where !seen.contains(serial) {
            bikes[serial] = nil
            change.gone.append(serial)
        }
        change.full.sort()
        change.gone.sort()
        return change
    }

    private func trim(_ readings: inout [DashboardQueries.LiveReading]) {
        guard let last = readings.last?.elapsed else { return }
        let cut = last - options.historySeconds
        if let first = readings.first?.elapsed, first > cut { return }
        readings.removeAll { $0.elapsed <= cut }
    }

    // MARK: - JSON

    /// The whole board: sent to a new client, and by `/api/live`.
    func snapshotJSON(now: Instant, zone: Zone) -> String {
        var j = JSONText(capacity: 4096)
        j.raw("{\"now\":"); j.string(zone.iso8601(now))
        j.raw(",\"zone\":"); j.string(zone.identifier)
        j.raw(",\"not_in_use_after_s\":"); j.number(options.notInUseAfter)
        j.raw(",\"history_s\":"); j.int(options.historySeconds)
        j.raw(",\"bikes\":[")
        for (i, serial) in bikes.keys.sorted().enumerated() {
            if i > 0 { j.raw(",") }
            if let bike = bikes[serial] { write(bike, readings: bike.readings, full: true, into: &j, zone: zone) }
        }
        j.raw("]}")
        return j.text
    }

    func changeJSON(_ change: Change, now: Instant, zone: Zone) -> String {
        var j = JSONText(capacity: 1024)
        j.raw("{\"now\":"); j.string(zone.iso8601(now))
        j.raw(",\"bikes\":[")
        var first = true
        for serial in change.full {
            guard let bike = bikes[serial] else { continue }
            if !first { j.raw(",") }
            first = false
            write(bike, readings: bike.readings, full: true, into: &j, zone: zone)
        }
        for (serial, fresh) in change.delta.sorted(by: { $0.key < $1.key }) {
            guard let bike = bikes[serial] else { continue }
            if !first { j.raw(",") }
            first = false
            write(bike, readings: fresh, full: false, into: &j, zone: zone)
        }
        j.raw("],\"gone\":[")
        for (i, serial) in change.gone.enumerated() {
            if i > 0 { j.raw(",") }
            j.string(serial)
        }
        j.raw("]}")
        return j.text
    }

    private func write(_ bike: Bike, readings: [DashboardQueries.LiveReading], full: Bool, into j: inout JSONText, zone: Zone) {
        let ride = bike.ride
        j.raw("{\"bike\":"); j.string(ride.bikeSerial)
        j.raw(",\"ride\":"); j.int(ride.rideID)
        j.raw(",\"full\":"); j.bool(full)
        j.raw(",\"status\":"); j.string(bike.inUse ? "riding" : "idle")
        j.raw(",\"in_progress\":"); j.bool(ride.inProgress)
        j.raw(",\"alert\":"); j.bool(ride.alertRaised)
        j.raw(",\"elapsed_s\":"); j.int(bike.readings.last?.elapsed ?? 0)
        j.raw(",\"last\":")
        if let us = ride.lastReadingUs { j.string(zone.iso8601(Instant(microseconds: us))) } else { j.raw("null") }
        if full {
            j.raw(",\"start\":"); j.string(zone.iso8601(Instant(microseconds: ride.startTimeUs)))
            j.raw(",\"rider\":{\"id\":"); j.int(ride.riderID)
            j.raw(",\"name\":"); j.string(ride.riderName)
            j.raw(",\"gender\":"); j.string(ride.gender)
            j.raw(",\"age\":"); j.int(ride.ageAtStart)
            j.raw("},\"safe\":{\"min\":"); j.number(bike.range.minimum)
            j.raw(",\"max\":"); j.number(bike.range.maximum)
            j.raw("}")
        }
        // [elapsed s, heart rate bpm, rpm, power W, resistance]: compact, the bulk of every message.
        j.raw(",\"r\":[")
        for (i, r) in readings.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("["); j.int(r.elapsed); j.raw(","); j.int(r.heartRate); j.raw(","); j.int(r.rpm)
            j.raw(","); j.number(r.power); j.raw(","); j.int(r.resistance); j.raw("]")
        }
        j.raw("]}")
    }
}
