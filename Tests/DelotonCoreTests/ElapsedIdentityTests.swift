import DelotonCore
import PropertyBased
import Testing

/// The elapsed-identity rule (domain.md, Riders, bikes, rides, readings), checked against a small
/// model written from the rule's words alone: a ride may start at 0 or 1; a repeat of a second
/// already kept is a duplicate; a gap is no reading; a fall back to 0 or 1 after a later second
/// ends the ride, and what follows without a new [SYSTEM] line cannot be attributed.
@Suite struct ElapsedIdentityTests {
    struct Model {
        var kept: [Int] = []
        var duplicates = 0
        var unattributed = 0

        init(_ durations: [Int]) {
            var lastSeen = 0
            var ended = false
            for d in durations {
                if ended { unattributed += 1; continue }
                if d <= 1, lastSeen > 1 { ended = true; unattributed += 1; continue }
                lastSeen = d
                if let last = kept.last, d <= last { duplicates += 1 } else { kept.append(d) }
            }
        }
    }

    static func assemble(_ durations: [Int]) -> (elapsed: [Int], start: Instant?, firstTime: Instant?, duplicates: Int, unattributed: Int) {
        var script = Script()
        script.start()
        var firstTime: Instant?
        var zone = Zone.utc
        for d in durations {
            if firstTime == nil { firstTime = zone.instant(of: script.now) }
            script.reading(d)
        }
        var a = RideAssembler(stream: "model", zone: .utc)
        var unattributed = 0
        for line in script.lines {
            // Counted per Ride line: its Telemetry partner shares the verdict.
            if case .quarantined(let reason) = a.consume(line), reason == RideAssembler.unattributedReason,
               case .ride = line { unattributed += 1 }
        }
        a.endRide()
        var batch = IngestBatch()
        a.drain(into: &batch)
        let elapsed = batch.rides.flatMap { $0.readings.map(\.elapsed) }
        let start = batch.rides.last.map(\.snapshot.startTime)
        // A duplicate Ride line drops its Telemetry line too: one duplicate reading each.
        return (elapsed, elapsed.isEmpty ? nil : start, firstTime, a.duplicateReadings, unattributed)
    }

    @Test func aRideStartingAtZeroKeepsItsFirstSecond() {
        let got = Self.assemble([0, 1, 2, 3])
        #expect(got.elapsed == [0, 1, 2, 3])
        #expect(got.duplicates == 0)
        #expect(got.start == got.firstTime, "the ride starts at its first reading's time, second 0")
    }

    @Test func resetsToZeroOrOneEndTheRide() {
        #expect(Self.assemble([0, 1, 2, 0, 1]).elapsed == [0, 1, 2])
        #expect(Self.assemble([1, 2, 3, 1, 2]).unattributed == 2)
        #expect(Self.assemble([1, 1, 2]).elapsed == [1, 2])
    }

    @Test func theAssemblerFollowsTheModel() async {
        // Steps: start at 0 or 1, then +1 (mostly), repeats, gaps, small falls back and resets.
        let step = Gen.int(in: 0...12)
        await propertyCheck(count: 400, input: Gen.bool, step.array(of: 0...40)) { startAtZero, steps in
            var durations = [startAtZero ? 0 : 1]
            for s in steps {
                let last = durations[durations.count - 1]
                switch s {
                case 0: durations.append(last)                 // repeat
                case 1: durations.append(last + 3)             // gap
                case 2: durations.append(max(0, last - 2))     // fall back
                case 3: durations.append(0)                    // reset to 0
                case 4: durations.append(1)                    // reset to 1
                default: durations.append(last + 1)
                }
            }
            let model = Model(durations)
            let got = Self.assemble(durations)
            #expect(got.elapsed == model.kept, "durations \(durations)")
            #expect(got.duplicates == model.duplicates, "durations \(durations)")
            #expect(got.unattributed == model.unattributed, "durations \(durations)")
            if !model.kept.isEmpty { #expect(got.start == got.firstTime, "durations \(durations)") }
        }
    }
}
