import DelotonCore

/// What one batch does to the warehouse, decided before anything is written: the ingest write
/// rules, once for both databases. SQLite carries the plan out statement by statement,
/// PostgreSQL set-wise, and both look up only `Stored` first.
///
/// The batch's changes are replayed in order against the stored rows, so the result is what
/// writing each change in turn would leave: the same ride twice in a batch, a replay with fewer
/// readings or an ended ride seen again all come out as if written one by one.
struct BatchPlan: Sendable, Equatable {
    /// What the warehouse holds for one of the batch's rides.
    struct StoredRide: Sendable, Equatable {
        var id: Int64
        var inProgress: Bool
        var readingCount: Int
    }

    /// The stored rows the plan depends on, for the keys of `rideKeys(of:)`.
    struct Stored: Sendable, Equatable {
        /// Rides deleted through the API.
        var rideTombstones: Set<RideKey> = []
        /// When each erased rider was erased: their rides that started by then stay away.
        var riderErasures: [Int: Instant] = [:]
        var rides: [RideKey: StoredRide] = [:]

        func isTombstoned(_ key: RideKey) -> Bool {
            if rideTombstones.contains(key) { return true }
            guard let erased = riderErasures[key.riderID] else { return false }
            return erased >= key.startedAt
        }
    }

    /// What happens to one ride's row.
    enum RideWrite: Sendable, Equatable {
        /// Not stored yet: inserted with the batch's last snapshot that advances it.
        case insert(RideSnapshot)
        /// Stored, and a snapshot of the batch advances it: the row becomes that snapshot.
        case update(id: Int64, RideSnapshot)
        /// Stored, and nothing in the batch advances it (a replay still catching up).
        case keep(id: Int64)
    }

    struct Ride: Sendable, Equatable {
        var key: RideKey
        var write: RideWrite

        /// Nil for a ride this batch inserts: its id comes from the insert.
        var storedID: Int64? {
            switch write {
            case .insert: nil
            case .update(let id, _), .keep(let id): id
            }
        }
    }

    /// The profile a rider is upserted with; `RiderUpsert` keeps it only if `asOf` is not older than the stored one.
    struct Profile: Sendable, Equatable {
        var rider: Rider
        var asOf: Instant
    }

    /// The span of ride starts the batch gives a bike; the stored span only widens.
    struct BikeSpan: Sendable, Equatable {
        var serial: String
        var firstRide: Instant
        var lastRide: Instant
    }

    /// The batch's first alert for a ride: the warehouse records it unless the ride has one already.
    struct AlertCandidate: Sendable, Equatable {
        var key: RideKey
        var alert: AlertEvent
    }

    /// The changes that are written, in batch order: everything but tombstoned rides. Their
    /// readings are all offered to the warehouse, which keeps those it does not hold yet.
    private(set) var changes: [RideChange] = []
    /// Changes skipped because their ride or rider was deleted through the API.
    private(set) var tombstonedRides = 0
    /// One per ride, in the order the batch first mentions them: new rides are inserted in
    /// this order, so their ids follow the batch on both databases.
    private(set) var rides: [Ride] = []
    /// Rides that end in this batch, in the order they end.
    private(set) var ended: [RideKey] = []
    /// One per rider, in the order the batch first mentions them: the profile of the rider's
    /// latest ride start, and on a tie the later one in the batch.
    private(set) var profiles: [Profile] = []
    /// One per bike, in the order the batch first mentions them.
    private(set) var bikes: [BikeSpan] = []
    /// In batch order.
    private(set) var alerts: [AlertCandidate] = []

    /// The keys to look up before planning: each ride of the batch once, in batch order.
    static func rideKeys(of batch: IngestBatch) -> [RideKey] {
        var seen = Set<RideKey>(), keys: [RideKey] = []
        for change in batch.rides where seen.insert(change.snapshot.key).inserted { keys.append(change.snapshot.key) }
        return keys
    }

    /// The distinct riders of `keys`, whose erasures `Stored` needs.
    static func riderIDs(of keys: [RideKey]) -> [Int] {
        var seen = Set<Int>(), ids: [Int] = []
        for key in keys where seen.insert(key.riderID).inserted { ids.append(key.riderID) }
        return ids
    }

    init(_ batch: IngestBatch, stored: Stored) {
        // Where each ride, rider and bike sits in its list, and where each ride has got so far.
        var tracked: [RideKey: (index: Int, open: Bool, count: Int)] = [:]
        var profileIndex: [Int: Int] = [:], bikeIndex: [String: Int] = [:]
        var alerted = Set<RideKey>()
        for change in batch.rides {
            let s = change.snapshot
            guard !stored.isTombstoned(s.key) else { tombstonedRides += 1; continue }
            changes.append(change)
            let count = s.totals.readingCount

            if let held = tracked[s.key] {
                if RideProgress.advances(readings: count, storedReadings: held.count, storedOpen: held.open) {
                    if held.open && !s.inProgress { ended.append(s.key) }
                    tracked[s.key] = (held.index, s.inProgress, count)
                    switch rides[held.index].write {
                    case .insert: rides[held.index].write = .insert(s)
                    case .update(let id, _), .keep(let id): rides[held.index].write = .update(id: id, s)
                    }
                }
            } else if let row = stored.rides[s.key] {
                if RideProgress.advances(readings: count, storedReadings: row.readingCount, storedOpen: row.inProgress) {
                    if row.inProgress && !s.inProgress { ended.append(s.key) }
                    tracked[s.key] = (rides.count, s.inProgress, count)
                    rides.append(Ride(key: s.key, write: .update(id: row.id, s)))
                } else {
                    tracked[s.key] = (rides.count, row.inProgress, row.readingCount)
                    rides.append(Ride(key: s.key, write: .keep(id: row.id)))
                }
            } else {
                if !s.inProgress { ended.append(s.key) }
                tracked[s.key] = (rides.count, s.inProgress, count)
                rides.append(Ride(key: s.key, write: .insert(s)))
            }

            if let i = profileIndex[s.rider.id] {
                if s.key.startedAt >= profiles[i].asOf { profiles[i] = Profile(rider: s.rider, asOf: s.key.startedAt) }
            } else {
                profileIndex[s.rider.id] = profiles.count
                profiles.append(Profile(rider: s.rider, asOf: s.key.startedAt))
            }

            let start = s.key.startedAt
            if let i = bikeIndex[s.key.bikeSerial] {
                bikes[i].firstRide = min(bikes[i].firstRide, start)
                bikes[i].lastRide = max(bikes[i].lastRide, start)
            } else {
                bikeIndex[s.key.bikeSerial] = bikes.count
                bikes.append(BikeSpan(serial: s.key.bikeSerial, firstRide: start, lastRide: start))
            }

            if let alert = change.alert, alerted.insert(s.key).inserted {
                alerts.append(AlertCandidate(key: s.key, alert: alert))
            }
        }
    }

    /// The outcome once the rides are written and `ids` holds every planned ride's id; the
    /// writer adds the readings and alerts that turned out new.
    func outcome(ids: [RideKey: Int64]) -> WriteOutcome {
        var outcome = WriteOutcome()
        for ride in rides { outcome.rideIDs[ride.key] = ids[ride.key] }
        outcome.endedRideIDs = ended.compactMap { ids[$0] }
        outcome.tombstonedRides = tombstonedRides
        return outcome
    }
}
