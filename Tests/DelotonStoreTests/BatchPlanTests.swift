@testable import DelotonCore
@testable import DelotonStore
import Testing

/// The ingest write rules on their own, without a database: what `BatchPlan` decides from a batch
/// and the stored rows it touches. `WarehouseParityTests` checks that both warehouses carry it out alike.
@Suite("Batch plan: the ingest write rules")
struct BatchPlanTests {
    static let t0 = Instant(microseconds: 1_650_000_000_000_000)

    static func at(_ second: Int64) -> Instant { Instant(microseconds: t0.microseconds + second * 1_000_000) }

    static func key(rider: Int = 1, bike: String = "SN1", at second: Int64 = 0) -> RideKey {
        RideKey(riderID: rider, bikeSerial: bike, startedAt: at(second))
    }

    static func rider(_ id: Int, name: String) -> Rider {
        Rider(id: id, name: name, title: nil, firstName: name, lastName: "Lee", gender: "female", dateOfBirth: nil,
              email: "r\(id)@example.com", address: Address(lines: ["1 High Street"], city: "Leeds", postcode: "LS1 1AA", postcodeValid: true),
              heightCm: 170, weightKg: 60, accountCreated: nil, originalSource: "direct")
    }

    /// A change whose snapshot has `readings` readings in all, carrying one new reading.
    static func change(_ key: RideKey, readings: Int, open: Bool, name: String = "Ann", alert: Bool = false) -> RideChange {
        var totals = RideTotals()
        totals.readingCount = readings
        let snapshot = RideSnapshot(key: key, stream: "bike", rider: rider(key.riderID, name: name), email: "r@example.com",
                                    gender: "female", ageAtStart: 40, startTime: key.startedAt, endTime: nil, totals: totals,
                                    inProgress: open, state: nil)
        let event = alert
            ? AlertEvent(rideKey: key, riderID: key.riderID, riderName: name, email: "r@example.com", gender: "female", age: 40,
                         range: SafeRange(minimum: 50, maximum: 170), samples: [], raisedAt: at(Int64(readings)), unmailedReason: nil)
            : nil
        let reading = Reading(elapsed: readings, time: at(Int64(readings)), heartRate: 120, rpm: 60, power: 100, resistance: 30)
        return RideChange(snapshot: snapshot, readings: [reading], alert: event)
    }

    static func plan(_ changes: [RideChange], stored: BatchPlan.Stored = .init()) -> BatchPlan {
        var batch = IngestBatch()
        batch.rides = changes
        return BatchPlan(batch, stored: stored)
    }

    static func stored(_ rides: [RideKey: BatchPlan.StoredRide]) -> BatchPlan.Stored {
        var s = BatchPlan.Stored()
        s.rides = rides
        return s
    }

    // MARK: - Rides

    @Test("new rides are inserted in batch order; one that arrives finished ends in this batch")
    func newRides() {
        let a = Self.key(bike: "SN1"), b = Self.key(bike: "SN2")
        let first = Self.change(a, readings: 5, open: true), second = Self.change(b, readings: 9, open: false)
        let plan = Self.plan([first, second])
        #expect(plan.rides == [.init(key: a, write: .insert(first.snapshot)), .init(key: b, write: .insert(second.snapshot))])
        #expect(plan.ended == [b])
        #expect(plan.changes == [first, second])
        #expect(plan.tombstonedRides == 0)
    }

    @Test("the same new ride twice in a batch is inserted once, with its last snapshot that advances it, and ends once")
    func sameNewRideTwice() {
        let a = Self.key()
        let open = Self.change(a, readings: 10, open: true), end = Self.change(a, readings: 20, open: false)
        let plan = Self.plan([open, end])
        #expect(plan.rides == [.init(key: a, write: .insert(end.snapshot))])
        #expect(plan.ended == [a])
        #expect(plan.changes == [open, end], "both changes' readings are offered")

        // A stale snapshot after a newer one (fewer readings) does not roll the insert back.
        let stale = Self.change(a, readings: 4, open: true)
        #expect(Self.plan([open, stale]).rides == [.init(key: a, write: .insert(open.snapshot))])

        // Ended, then seen again with as many readings: it is closed now, so nothing moves and it ends once.
        let again = Self.change(a, readings: 20, open: false)
        let twice = Self.plan([end, again])
        #expect(twice.rides == [.init(key: a, write: .insert(end.snapshot))])
        #expect(twice.ended == [a])
    }

    @Test("a stored open ride advances with more readings, or with as many (its state moves on, or it ends)")
    func storedOpenRideAdvances() {
        let a = Self.key()
        let stored = Self.stored([a: .init(id: 7, inProgress: true, readingCount: 10)])
        let more = Self.change(a, readings: 12, open: true)
        let plan = Self.plan([more], stored: stored)
        #expect(plan.rides == [.init(key: a, write: .update(id: 7, more.snapshot))])
        #expect(plan.ended.isEmpty)

        let endsAsIs = Self.change(a, readings: 10, open: false)
        let ending = Self.plan([endsAsIs], stored: stored)
        #expect(ending.rides == [.init(key: a, write: .update(id: 7, endsAsIs.snapshot))])
        #expect(ending.ended == [a])
    }

    @Test("a replay with fewer readings keeps the stored ride, open or ended, and ends nothing")
    func replayWithFewerReadings() {
        let a = Self.key()
        for open in [true, false] {
            let stored = Self.stored([a: .init(id: 3, inProgress: open, readingCount: 20)])
            for replayOpen in [true, false] {
                let plan = Self.plan([Self.change(a, readings: 19, open: replayOpen)], stored: stored)
                #expect(plan.rides == [.init(key: a, write: .keep(id: 3))])
                #expect(plan.ended.isEmpty)
                #expect(plan.changes.count == 1, "its readings are still offered: the warehouse keeps those it lacks")
            }
        }
    }

    @Test("an ended ride seen again: as many readings change nothing, more update it but it does not end again")
    func endedRideSeenAgain() {
        let a = Self.key()
        let stored = Self.stored([a: .init(id: 4, inProgress: false, readingCount: 20)])
        let same = Self.plan([Self.change(a, readings: 20, open: false)], stored: stored)
        #expect(same.rides == [.init(key: a, write: .keep(id: 4))])
        #expect(same.ended.isEmpty)

        let longer = Self.change(a, readings: 25, open: false)
        let grown = Self.plan([longer], stored: stored)
        #expect(grown.rides == [.init(key: a, write: .update(id: 4, longer.snapshot))])
        #expect(grown.ended.isEmpty)
    }

    @Test("a stored ride seen twice in a batch: each change is judged against the one before it, in batch order")
    func storedRideTwice() {
        let a = Self.key()
        let stored = Self.stored([a: .init(id: 9, inProgress: true, readingCount: 10)])
        let end = Self.change(a, readings: 20, open: false), late = Self.change(a, readings: 15, open: true)
        let plan = Self.plan([end, late], stored: stored)
        #expect(plan.rides == [.init(key: a, write: .update(id: 9, end.snapshot))])
        #expect(plan.ended == [a])

        // The other way round both advance, and the ride ends with the second.
        let reversed = Self.plan([late, end], stored: stored)
        #expect(reversed.rides == [.init(key: a, write: .update(id: 9, end.snapshot))])
        #expect(reversed.ended == [a])

        // A replay that does not advance, then a change that does: the ride is updated after all.
        let replay = Self.change(a, readings: 8, open: true), next = Self.change(a, readings: 11, open: true)
        #expect(Self.plan([replay, next], stored: stored).rides == [.init(key: a, write: .update(id: 9, next.snapshot))])

        // Ending with as many readings, then the same again: it ends once, the second is ignored.
        let endsAsIs = Self.change(a, readings: 10, open: false)
        let twice = Self.plan([endsAsIs, Self.change(a, readings: 10, open: false, name: "Other")], stored: stored)
        #expect(twice.rides == [.init(key: a, write: .update(id: 9, endsAsIs.snapshot))])
        #expect(twice.ended == [a])
    }

    // MARK: - Tombstones

    @Test("a deleted ride is skipped, every change of it counted, and nothing of it is written")
    func tombstonedRide() {
        let dead = Self.key(rider: 1, bike: "SN1"), live = Self.key(rider: 2, bike: "SN2")
        var stored = BatchPlan.Stored()
        stored.rideTombstones = [dead]
        let kept = Self.change(live, readings: 3, open: true)
        let plan = Self.plan([Self.change(dead, readings: 2, open: true, alert: true), kept,
                              Self.change(dead, readings: 4, open: false, alert: true)], stored: stored)
        #expect(plan.tombstonedRides == 2)
        #expect(plan.changes == [kept])
        #expect(plan.rides.map(\.key) == [live])
        #expect(plan.ended.isEmpty)
        #expect(plan.profiles.map(\.rider.id) == [2])
        #expect(plan.bikes.map(\.serial) == ["SN2"])
        #expect(plan.alerts.isEmpty)
    }

    @Test("an erased rider's rides that started by the erasure are skipped; later ones, and other riders', are not")
    func erasedRider() {
        var stored = BatchPlan.Stored()
        stored.riderErasures = [1: Self.at(100)]
        let before = Self.key(rider: 1, at: 50), atErasure = Self.key(rider: 1, at: 100), after = Self.key(rider: 1, at: 101)
        let other = Self.key(rider: 2, at: 50)
        #expect(stored.isTombstoned(before) && stored.isTombstoned(atErasure))
        #expect(!stored.isTombstoned(after) && !stored.isTombstoned(other))
        let plan = Self.plan([before, atErasure, after, other].map { Self.change($0, readings: 1, open: true) }, stored: stored)
        #expect(plan.tombstonedRides == 2)
        #expect(plan.rides.map(\.key) == [after, other])
        #expect(plan.profiles.map(\.asOf) == [Self.at(101), Self.at(50)], "the erased rider comes back only from the later ride")
    }

    // MARK: - Riders and bikes

    @Test("the latest ride start wins a rider's profile, wherever it is in the batch; stale rides still offer theirs")
    func latestProfileWins() {
        let late = Self.change(Self.key(at: 200), readings: 1, open: true, name: "Late")
        let early = Self.change(Self.key(bike: "SN2", at: 100), readings: 1, open: true, name: "Early")
        let plan = Self.plan([late, early])
        #expect(plan.profiles == [.init(rider: late.snapshot.rider, asOf: Self.at(200))])

        // A replay that does not advance its ride still offers its profile: `RiderUpsert` compares it with the stored one.
        let stored = Self.stored([early.snapshot.key: .init(id: 1, inProgress: false, readingCount: 5)])
        #expect(Self.plan([early], stored: stored).profiles == [.init(rider: early.snapshot.rider, asOf: Self.at(100))])
    }

    @Test("on a tie of ride starts the later change in the batch wins; riders keep the order the batch first names them")
    func profileTie() {
        let first = Self.change(Self.key(rider: 1, bike: "SN1", at: 100), readings: 1, open: true, name: "First")
        let other = Self.change(Self.key(rider: 2, bike: "SN3", at: 100), readings: 1, open: true, name: "Other")
        let second = Self.change(Self.key(rider: 1, bike: "SN2", at: 100), readings: 1, open: true, name: "Second")
        let plan = Self.plan([first, other, second])
        #expect(plan.profiles == [.init(rider: second.snapshot.rider, asOf: Self.at(100)),
                                  .init(rider: other.snapshot.rider, asOf: Self.at(100))])
    }

    @Test("each bike gets the earliest and latest ride start of the batch, in the order the batch first names them")
    func bikeSpans() {
        let plan = Self.plan([Self.change(Self.key(rider: 1, bike: "SN2", at: 50), readings: 1, open: true),
                              Self.change(Self.key(rider: 2, bike: "SN1", at: 70), readings: 1, open: true),
                              Self.change(Self.key(rider: 3, bike: "SN2", at: 90), readings: 1, open: true),
                              Self.change(Self.key(rider: 4, bike: "SN2", at: 10), readings: 1, open: true)])
        #expect(plan.bikes == [.init(serial: "SN2", firstRide: Self.at(10), lastRide: Self.at(90)),
                               .init(serial: "SN1", firstRide: Self.at(70), lastRide: Self.at(70))])
    }

    // MARK: - Alerts

    @Test("a ride's first alert in the batch is the candidate, also on a replay; later ones of the same ride are not")
    func alertCandidates() {
        let a = Self.key(bike: "SN1"), b = Self.key(bike: "SN2")
        let stored = Self.stored([b: .init(id: 2, inProgress: false, readingCount: 30)])
        let firstA = Self.change(a, readings: 3, open: true, name: "A1", alert: true)
        let replayB = Self.change(b, readings: 3, open: true, name: "B", alert: true)
        let plan = Self.plan([Self.change(a, readings: 2, open: true), firstA, replayB,
                              Self.change(a, readings: 4, open: false, name: "A2", alert: true)], stored: stored)
        #expect(plan.alerts.map(\.key) == [a, b])
        #expect(plan.alerts.map(\.alert.riderName) == ["A1", "B"])
        #expect(plan.rides.last == .init(key: b, write: .keep(id: 2)))
    }

    // MARK: - Keys and outcome

    @Test("look-ups ask for each ride and rider once, in batch order")
    func lookUpKeys() {
        let a = Self.key(rider: 2, bike: "SN1"), b = Self.key(rider: 1, bike: "SN2"), c = Self.key(rider: 2, bike: "SN3")
        var batch = IngestBatch()
        batch.rides = [a, b, a, c, b].map { Self.change($0, readings: 1, open: true) }
        let keys = BatchPlan.rideKeys(of: batch)
        #expect(keys == [a, b, c])
        #expect(BatchPlan.riderIDs(of: keys) == [2, 1])
    }

    @Test("the outcome names every written ride, kept ones too, and the ended ones in the order they ended")
    func outcome() {
        let a = Self.key(bike: "SN1"), b = Self.key(bike: "SN2"), c = Self.key(bike: "SN3"), dead = Self.key(bike: "SN4")
        var stored = Self.stored([c: .init(id: 30, inProgress: false, readingCount: 9)])
        stored.rideTombstones = [dead]
        let plan = Self.plan([Self.change(b, readings: 1, open: true), Self.change(a, readings: 4, open: false),
                              Self.change(c, readings: 2, open: true), Self.change(b, readings: 2, open: false),
                              Self.change(dead, readings: 2, open: false)], stored: stored)
        let outcome = plan.outcome(ids: [a: 11, b: 12, c: 30])
        #expect(outcome.rideIDs == [a: 11, b: 12, c: 30])
        #expect(outcome.endedRideIDs == [11, 12])
        #expect(outcome.tombstonedRides == 1)
        #expect(outcome.newReadings == 0 && outcome.newAlertIDs.isEmpty, "the writer counts what the database took")
    }
}
