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
        var j = Self.writer(capacity: 4096)
        j.object { j in
            j.field("now", zone.iso8601(now))
            j.field("zone", zone.identifier)
            j.key("not_in_use_after_s"); j.double(options.notInUseAfter, places: 1)
            j.field("history_s", options.historySeconds)
            j.key("bikes")
            j.array { j in
                for serial in bikes.keys.sorted() {
                    if let bike = bikes[serial] { write(bike, readings: bike.readings, full: true, into: &j, zone: zone) }
                }
            }
        }
        return j.text
    }

    func changeJSON(_ change: Change, now: Instant, zone: Zone) -> String {
        var j = Self.writer(capacity: 1024)
        j.object { j in
            j.field("now", zone.iso8601(now))
            j.key("bikes")
            j.array { j in
                for serial in change.full {
                    guard let bike = bikes[serial] else { continue }
                    write(bike, readings: bike.readings, full: true, into: &j, zone: zone)
                }
                for (serial, fresh) in change.delta.sorted(by: { $0.key < $1.key }) {
                    guard let bike = bikes[serial] else { continue }
                    write(bike, readings: fresh, full: false, into: &j, zone: zone)
                }
            }
            j.key("gone")
            j.array { j in for serial in change.gone { j.string(serial) } }
        }
        return j.text
    }

    /// `<` escaped too, so a value can never close a script element if the JSON is ever inlined.
    static func writer(capacity: Int) -> JSONWriter { JSONWriter(capacity: capacity, escaping: .lessThan) }

    private func write(_ bike: Bike, readings: [DashboardQueries.LiveReading], full: Bool, into j: inout JSONWriter, zone: Zone) {
        let ride = bike.ride
        j.object { j in
            j.field("bike", ride.bikeSerial)
            j.field("ride", ride.rideID)
            j.field("full", full)
            j.field("status", bike.inUse ? "riding" : "idle")
            j.field("in_progress", ride.inProgress)
            j.field("alert", ride.alertRaised)
            j.field("elapsed_s", bike.readings.last?.elapsed ?? 0)
            j.field("last", ride.lastReadingUs.map { zone.iso8601(Instant(microseconds: $0)) })
            if full {
                j.field("start", zone.iso8601(Instant(microseconds: ride.startTimeUs)))
                j.key("rider")
                j.object { j in
                    j.field("id", ride.riderID)
                    j.field("name", ride.riderName)
                    j.field("gender", ride.gender)
                    j.field("age", ride.ageAtStart)
                }
                j.key("safe")
                j.object { j in
                    j.key("min"); j.double(bike.range.minimum, places: 1)
                    j.key("max"); j.double(bike.range.maximum, places: 1)
                }
            }
            // [elapsed s, heart rate bpm, rpm, power W, resistance]: compact, the bulk of every message.
            j.key("r")
            j.array { j in
                for r in readings {
                    j.array { j in
                        j.int(r.elapsed); j.int(r.heartRate); j.int(r.rpm)
                        j.double(r.power, places: 1); j.int(r.resistance)
                    }
                }
            }
        }
    }
}
