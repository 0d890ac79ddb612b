import DelotonCore
import DelotonIngest
import PropertyBased
import Testing

/// Whatever the simulator writes, parsing and assembling it gives back the same rides and readings.
@Suite struct SimulatorRoundTripTests {
    @Test func parserAndAssemblerGiveBackWhatTheSimulatorWrote() async {
        await propertyCheck(count: 25, input: Gen.int(in: 1...1_000_000), Gen.int(in: 1...6), Gen.int(in: 1...8)) { seed, bikes, rides in
            var sim = StreamSimulator(seed: UInt64(seed), bikes: bikes, rides: rides,
                                      start: LocalDateTime(year: 2022, month: 10, day: 30, hour: 0, minute: 45, second: 0),
                                      minSeconds: 3, maxSeconds: 90, excursionChance: 0.5, keepHistory: true)
            let zone = Zone(identifier: "Europe/London")!
            var parser = LineParser()
            var assemblers: [String: RideAssembler] = [:]
            var quarantined = 0
            while let line = sim.next() {
                let bytes = Array(WireFormat.message(line.text, key: line.bike).utf8)
                guard case .success(let m) = parser.parse(bytes), let key = m.key else { quarantined += 1; continue }
                if assemblers[key] == nil { assemblers[key] = RideAssembler(stream: key, zone: zone) }
                if case .quarantined = assemblers[key]?.consume(m.line) { quarantined += 1 }
            }
            var batch = IngestBatch()
            for k in assemblers.keys.sorted() { assemblers[k]?.endRide(); assemblers[k]?.drain(into: &batch) }
            #expect(quarantined == 0)
            #expect(batch.rides.count == sim.written.count)
            for truth in sim.written {
                let got = batch.rides.first { $0.snapshot.key.bikeSerial == truth.profile.bikeSerial && $0.snapshot.rider.id == truth.profile.userID
                    && $0.readings.count == truth.seconds.count && $0.readings.first.map { r in r.heartRate == truth.seconds[0].hr } ?? true }
                #expect(got != nil)
                guard let got else { continue }
                #expect(got.readings.map(\.heartRate) == truth.seconds.map(\.hr))
                #expect(got.readings.map(\.rpm) == truth.seconds.map(\.rpm))
                #expect(got.readings.map(\.resistance) == truth.seconds.map(\.resistance))
                #expect(got.readings.map(\.power) == truth.seconds.map { SimulatedRide.power(rpm: $0.rpm, resistance: $0.resistance) })
                #expect(got.snapshot.rider == Rider(cleaning: truth.profile))
            }
        }
    }
}
