import DelotonCore
import Testing

/// Builds stream lines for one bike at half-second ticks, as the real stream does.
struct Script {
    var lines: [StreamLine] = []
    var tick = 0
    let base = LocalDateTime(year: 2022, month: 7, day: 6, hour: 10, minute: 0, second: 0)

    var now: LocalDateTime {
        LocalDateTime(date: base.date, microsecondOfDay: base.microsecondOfDay + Int64(tick) * 500_000)
    }

    static func profile(id: Int = 7, gender: String = "male", born: CivilDate = CivilDate(year: 1990, month: 1, day: 1),
                        email: String = "rider@example.com") -> RiderProfile {
        RiderProfile(userID: id, name: "Mr Test Rider", gender: gender, address: "1 High st,Town,AB1 2CD",
                     dateOfBirthMs: Int64(born.daysSinceEpoch) * 86_400_000, email: email, heightCm: 180, weightKg: 80,
                     accountCreateDateMs: 0, bikeSerial: "SN0000", originalSource: "direct")
    }

    mutating func start(_ p: RiderProfile = Script.profile()) {
        lines += [.beginningOfMain, .beginningOfRide, .gettingUserData(now)]
        tick += 1
        lines.append(.system(now, p))
        tick += 1
    }

    mutating func reading(_ d: Int, hr: Int = 100, rpm: Int = 60, resistance: Int = 30) {
        lines.append(.ride(now, duration: d, resistance: resistance))
        tick += 1
        lines.append(.telemetry(now, heartRate: hr, rpm: rpm, power: Double(rpm * resistance) / 10))
        tick += 1
    }
}

@Suite struct RideAssemblerTests {
    let zone = Zone(identifier: "Europe/London")!

    func assemble(_ lines: [StreamLine], end: Bool = true) -> (rides: [RideChange], verdicts: [RideAssembler.Verdict], assembler: RideAssembler) {
        var a = RideAssembler(stream: "test", zone: zone)
        let verdicts = lines.map { a.consume($0) }
        if end { a.endRide() }
        var batch = IngestBatch()
        a.drain(into: &batch)
        return (batch.rides, verdicts, a)
    }

    @Test func oneRide() throws {
        var s = Script()
        s.start()
        for d in 1...5 { s.reading(d, hr: d == 1 ? 0 : 100 + d) }
        let (rides, _, _) = assemble(s.lines)
        let ride = try #require(rides.first)
        #expect(rides.count == 1 && !ride.snapshot.inProgress)
        #expect(ride.readings.map(\.elapsed) == [1, 2, 3, 4, 5])
        let m = ride.snapshot.metrics
        #expect(m.readingCount == 5 && m.minHeartRate == 102 && m.maxHeartRate == 105 && m.avgHeartRate == 103.5)
        #expect(ride.snapshot.startTime == ride.readings[0].time && ride.snapshot.endTime == ride.readings[4].time)
        #expect(ride.snapshot.ageAtStart == 32 && ride.snapshot.rider.firstName == "Test")
    }

    @Test func duplicateReadingsAreIgnored() throws {
        var s = Script()
        s.start()
        s.reading(1); s.reading(2); s.reading(2); s.reading(3); s.reading(2); s.reading(4)
        let (rides, _, a) = assemble(s.lines)
        #expect(try #require(rides.first).readings.map(\.elapsed) == [1, 2, 3, 4])
        #expect(a.duplicateReadings == 2)
    }

    @Test func readingsBeforeSystemAreQuarantined() {
        var s = Script()
        s.reading(57); s.reading(58)
        s.start()
        s.reading(1)
        let (rides, verdicts, _) = assemble(s.lines)
        #expect(verdicts.prefix(4).allSatisfy { $0 == .quarantined(RideAssembler.unattributedReason) })
        #expect(rides.count == 1 && rides[0].readings.count == 1)
    }

    @Test func telemetryWithoutItsRideLineIsQuarantined() {
        var s = Script()
        s.start()
        s.lines.append(.telemetry(s.now, heartRate: 90, rpm: 50, power: 10))
        let (_, verdicts, _) = assemble(s.lines)
        #expect(verdicts.last == .quarantined("Telemetry line without its Ride line"))
    }

    @Test func rideLineWithoutTelemetryIsDropped() {
        var s = Script()
        s.start()
        s.reading(1)
        s.lines.append(.ride(s.now, duration: 2, resistance: 30))
        let (rides, _, a) = assemble(s.lines)
        #expect(rides[0].readings.count == 1 && a.droppedRideLines == 1)
    }

    @Test func boundaryAndNewSystemEndRides() {
        var s = Script()
        s.start(); s.reading(1); s.reading(2)
        s.start(Script.profile(id: 8)); s.reading(1)
        s.lines.append(.system(s.now, Script.profile(id: 9))); s.tick += 1
        s.reading(1)
        let (rides, _, _) = assemble(s.lines)
        #expect(rides.map(\.snapshot.key.riderID) == [7, 8, 9])
        #expect(rides.map(\.readings.count) == [2, 1, 1])
    }

    @Test func durationFallingBackEndsTheRide() {
        var s = Script()
        s.start(); s.reading(1); s.reading(2); s.reading(3)
        s.reading(1); s.reading(2)
        let (rides, verdicts, _) = assemble(s.lines)
        #expect(rides.count == 1 && rides[0].readings.count == 3)
        #expect(verdicts.suffix(4).allSatisfy { $0 == .quarantined(RideAssembler.unattributedReason) })
    }

    @Test func rideCutOffAtEndOfInputIsKept() {
        var s = Script()
        s.start(); s.reading(1); s.reading(2)
        let (rides, _, _) = assemble(s.lines)
        #expect(rides.count == 1 && !rides[0].snapshot.inProgress && rides[0].readings.count == 2)
    }

    @Test func openRideIsInProgressWithItsState() throws {
        var s = Script()
        s.start(); s.reading(1)
        let (rides, _, _) = assemble(s.lines, end: false)
        let snap = try #require(rides.first?.snapshot)
        #expect(snap.inProgress && snap.state?.lastElapsed == 1)
    }

    @Test func restartContinuesTheSameRide() throws {
        var s = Script()
        s.start(); s.reading(1, hr: 190); s.reading(2, hr: 190)
        var first = RideAssembler(stream: "k", zone: zone)
        for l in s.lines { _ = first.consume(l) }
        var batch = IngestBatch()
        first.drain(into: &batch)
        let saved = try #require(batch.rides.first?.snapshot.state)

        // A new process resumes from the saved state; redelivered lines are duplicates.
        var second = RideAssembler(stream: "k", zone: zone, resume: saved)
        var more = s
        more.reading(3, hr: 190)
        for l in more.lines { _ = second.consume(l) }
        second.endRide()
        var batch2 = IngestBatch()
        second.drain(into: &batch2)
        let ride = try #require(batch2.rides.first)
        #expect(ride.snapshot.key == saved.key)
        #expect(ride.readings.map(\.elapsed) == [3])
        #expect(ride.snapshot.totals.readingCount == 3)
        #expect(ride.alert?.samples.map(\.elapsed) == [1, 2, 3])
    }

    @Test func alertNamesTheRideTheReadingsAndTheRange() throws {
        var s = Script()
        s.start(Script.profile(born: CivilDate(year: 1950, month: 1, day: 1), email: "ride-email@example.com"))
        s.reading(1, hr: 100); s.reading(2, hr: 200); s.reading(3, hr: 0); s.reading(4, hr: 30); s.reading(5, hr: 199); s.reading(6, hr: 210)
        let (rides, _, _) = assemble(s.lines)
        let alert = try #require(rides.first?.alert)
        #expect(alert.samples.map(\.heartRate) == [200, 30, 199])
        #expect(alert.email == "ride-email@example.com" && alert.age == 72)
        #expect(alert.range == SafeRange(age: 72, gender: .male))
    }

    @Test func sameRideSeenAgainKeepsOneIdentity() {
        var s = Script()
        s.start(); s.reading(1); s.reading(2)
        let replay = s.lines + s.lines.dropFirst(2)  // the ride again from its [SYSTEM] line
        let (rides, _, a) = assemble(replay)
        #expect(rides.count == 1 && rides[0].readings.count == 2 && a.duplicateReadings == 2)
    }
}

@Suite struct ResumeMidReadingTests {
    /// A batch can end between a Ride line and its Telemetry line: the saved state must carry
    /// the Ride line, since the source position saved with it is already past that line.
    @Test func aRideLineWaitingForItsTelemetryIsSavedAndResumed() throws {
        let zone = Zone(identifier: "Europe/London")!
        var s = Script()
        s.start(); s.reading(1)
        s.lines.append(.ride(s.now, duration: 2, resistance: 30)); s.tick += 1
        var first = RideAssembler(stream: "k", zone: zone)
        for l in s.lines { _ = first.consume(l) }
        var batch = IngestBatch()
        first.drain(into: &batch)
        let saved = try #require(batch.rides.last?.snapshot.state)
        #expect(saved.pendingLine?.elapsed == 2)

        var second = RideAssembler(stream: "k", zone: zone, resume: saved)
        #expect(second.consume(.telemetry(s.now, heartRate: 99, rpm: 60, power: 18)) == .accepted)
        second.endRide()
        var batch2 = IngestBatch()
        second.drain(into: &batch2)
        #expect(batch2.rides.first?.readings.map(\.elapsed) == [2])
        #expect(batch2.rides.first?.readings.first?.heartRate == 99)
    }
}
