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
            // Each bike's rides come back in the order it rode them (the same rider may ride twice).
            for serial in Set(sim.written.map(\.profile.bikeSerial)) {
                let truths = sim.written.filter { $0.profile.bikeSerial == serial }
                let gots = batch.rides.filter { $0.snapshot.key.bikeSerial == serial }
                    .sorted { $0.snapshot.key.startedAt < $1.snapshot.key.startedAt }
                #expect(gots.count == truths.count)
                for (truth, got) in zip(truths, gots) {
                    #expect(got.snapshot.rider == Rider(cleaning: truth.profile))
                    #expect(got.readings.map(\.heartRate) == truth.seconds.map(\.hr))
                    #expect(got.readings.map(\.rpm) == truth.seconds.map(\.rpm))
                    #expect(got.readings.map(\.resistance) == truth.seconds.map(\.resistance))
                    #expect(got.readings.map(\.power) == truth.seconds.map { SimulatedRide.power(rpm: $0.rpm, resistance: $0.resistance) })
                }
            }
        }
    }
}
