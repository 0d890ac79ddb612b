import DelotonCore
import Foundation
import PropertyBased
import Testing

/// The hand-written state JSON reads back, through JSONDecoder, as the ride it came from.
@Suite struct OpenRideJSONTests {
    static func ride(seed: Int, name: String, readings: Int, pending: Bool, source: String?) -> OpenRide {
        let profile = RiderProfile(userID: seed, name: name, gender: seed % 2 == 0 ? "female" : "male",
                                   address: "Flat 2,\n\"The Mews\"\\Leeds,LS1 1AA", dateOfBirthMs: -Int64(seed) * 86_400_123,
                                   email: "r\(seed)@example.com", heightCm: 170, weightKg: 70,
                                   accountCreateDateMs: Int64(seed) * 1_000, bikeSerial: "SN\(seed % 7)", originalSource: "offline")
        var ride = OpenRide(key: RideKey(riderID: seed, bikeSerial: profile.bikeSerial, startedAt: Instant(microseconds: Int64(seed) * 1_000_003)),
                            stream: "kafka:deloton/\(seed % 4)#\(name)", profile: profile, ageAtStart: 20 + seed % 60)
        var assembler = RideAssembler(stream: ride.stream, zone: .utc, resume: ride)
        for s in 1...max(1, readings) {
            let t = LocalDateTime(date: CivilDate(year: 2022, month: 7, day: 25), microsecondOfDay: Int64(s) * 1_000_000)
            _ = assembler.consume(.ride(t, duration: s, resistance: 30 + s % 50))
            _ = assembler.consume(.telemetry(t, heartRate: s % 5 == 0 ? 0 : 60 + (s * 37 + seed) % 160, rpm: s % 90,
                                             power: Double(s * seed % 1000) / 7))
        }
        if pending {
            let t = LocalDateTime(date: CivilDate(year: 2022, month: 7, day: 25), microsecondOfDay: Int64(readings + 1) * 1_000_000)
            _ = assembler.consume(.ride(t, duration: readings + 1, resistance: 55))
        }
        ride = assembler.open ?? ride
        ride.source = source
        return ride
    }

    @Test func readsBackAsTheSameRide() async {
        await propertyCheck(count: 60, input: Gen.int(in: 1...100_000), Gen.int(in: 0...40), Gen.bool, Gen.bool) { seed, readings, pending, hasSource in
            let names = ["Ms Zoë Ångström", "Bob \"the\" Builder", "tab\there", "emoji 🚴", "back\\slash", "ctl\u{01}\u{1F}"]
            let ride = Self.ride(seed: seed, name: names[seed % names.count], readings: readings, pending: pending,
                                 source: hasSource ? "file:/tmp/x.jsonl" : nil)
            do {
                let text = try ride.stateJSON()
                var decoded = try JSONDecoder().decode(OpenRide.self, from: Data(text.utf8))
                // The histograms travel in columns of their own (`RideTotals.CodingKeys`).
                #expect(decoded.totals.heartRateBins.bins.isEmpty && decoded.totals.powerBins.bins.isEmpty)
                decoded.totals.heartRateBins = ride.totals.heartRateBins
                decoded.totals.powerBins = ride.totals.powerBins
                #expect(decoded == ride)
                #expect(try decoded.stateJSON() == text, "the same state is the same text")
            } catch {
                Issue.record("state JSON of \(ride.key) does not read back: \(error)")
            }
        }
    }
}
