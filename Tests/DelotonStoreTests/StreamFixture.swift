import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation

/// Batches as the ingest pipeline builds them: lines through `LineParser` and `RideAssembler`,
/// drained every `every` lines, unusable lines to quarantine, positions saved with each batch.
enum StreamFixture {
    static func batches(lines: [String], source: String, every: Int = 50, startPosition: Int64 = 0,
                        finish: Bool = true) -> [IngestBatch] {
        var parser = LineParser()
        var assembler = RideAssembler(stream: source, zone: Zone(identifier: "Europe/London") ?? .utc)
        var out: [IngestBatch] = []
        var batch = IngestBatch()
        for (offset, line) in lines.enumerated() {
            let position = startPosition + Int64(offset)
            switch parser.parse(Array(line.utf8)) {
            case .failure(let f):
                batch.quarantine.append(QuarantinedLine(source: source, position: position, raw: line, reason: f.reason))
            case .success(let message):
                if case .quarantined(let reason) = assembler.consume(message.line) {
                    batch.quarantine.append(QuarantinedLine(source: source, position: position, raw: line, reason: reason))
                }
            }
            batch.lineCount += 1
            if (offset + 1) % every == 0 {
                assembler.drain(into: &batch)
                batch.positions[source] = position + 1
                out.append(batch)
                batch = IngestBatch()
            }
        }
        if finish { assembler.endRide() }
        assembler.drain(into: &batch)
        batch.positions[source] = startPosition + Int64(lines.count)
        out.append(batch)
        return out
    }

    static var realSample: [String] {
        get throws {
            let text = try String(contentsOfFile: TestPaths.realSample, encoding: .utf8)
            return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        }
    }

    // MARK: - Hand-made lines

    static func stamp(_ second: Int, _ fraction: Int = 435_798) -> String {
        let base = 23 * 3600 + 29 * 60 + 35 + second
        let h = (base / 3600) % 24, m = (base / 60) % 60, s = base % 60
        let day = 6 + base / 86_400
        return String(format: "2022-07-%02d %02d:%02d:%02d.%06d", day, h, m, s, fraction)
    }

    static func system(_ second: Int, user: Int, name: String, gender: String = "male", bike: String = "SN0900",
                       dob: Int64 = 694_224_000_000, email: String = "rider@example.com",
                       address: String = "1 High Street,Leeds,LS1 1AA") -> String {
        let json = """
            {"user_id":\(user),"name":"\(name)","gender":"\(gender)","address":"\(address)","date_of_birth":\(dob),\
            "email_address":"\(email)","height_cm":180,"weight_kg":75,"account_create_date":1647993600000,\
            "bike_serial":"\(bike)","original_source":"direct"}
            """
        return "\(stamp(second, 935_822)) mendoza v9: [SYSTEM] data = \(json)"
    }

    static func reading(_ second: Int, duration: Int, hr: Int, rpm: Int = 60, power: Double = 123.456, resistance: Int = 40) -> [String] {
        ["\(stamp(second)) mendoza v9: [INFO]: Ride - duration = \(duration).0; resistance = \(resistance)",
         "\(stamp(second, 935_860)) mendoza v9: [INFO]: Telemetry - hrt = \(hr); rpm = \(rpm); power = \(power)"]
    }

    /// Covers what the warehouse must treat alike on both databases: an alert (and a second run
    /// out of range on the same ride, which must not alert again), hr = 0, quarantine of garbage
    /// and of unattributed readings, duplicate readings, a Ride line without Telemetry, a rider
    /// whose details change, a rider to be erased and a ride to be deleted (tombstones).
    static var handMade: [String] {
        var lines: [String] = ["--------- beginning of main"]
        // Readings before any [SYSTEM] line: quarantined.
        lines += reading(0, duration: 1, hr: 90)
        lines.append("this is not a log line")
        lines.append("{\"log\": \"truncated")
        // Ride 1: rider 900, alert on the 3rd out-of-range reading (max 220 - 30 = 190), then again.
        lines.append("--------- beginning of a new ride")
        lines.append(system(10, user: 900, name: "Dr. Ada M. Lovelace-Byron", email: "ada@old.example"))
        for i in 1...12 {
            let hr = [5, 6, 7, 10, 11].contains(i) ? 200 : (i == 4 ? 0 : 120 + i)
            lines += reading(10 + i, duration: i, hr: hr, power: Double(i) * 10.25)
        }
        lines += reading(23, duration: 12, hr: 130)  // duplicate second
        lines.append("\(stamp(24)) mendoza v9: [INFO]: Ride - duration = 13.0; resistance = 40")  // no Telemetry
        // Ride 2: the same rider with a new address and email.
        lines.append("--------- beginning of a new ride")
        lines.append(system(40, user: 900, name: "Dr. Ada M. Lovelace-Byron", email: "ada@new.example",
                            address: "2 Low Road,Flat 3,York,yo1 7hh"))
        for i in 1...6 { lines += reading(40 + i, duration: i, hr: 0, power: 0) }
        // Ride 3: a woman over 65, low heart rate run (min 57).
        lines.append("--------- beginning of a new ride")
        lines.append(system(60, user: 901, name: "Mrs Grace Hopper", gender: "female", bike: "SN0901",
                            dob: -1_988_150_400_000, email: "grace@example.com"))
        for i in 1...8 { lines += reading(60 + i, duration: i, hr: i < 6 ? 50 : 80, rpm: 70 + i, power: 99.5) }
        // Ride 4: rider 902, to be erased before the stream is written.
        lines.append("--------- beginning of a new ride")
        lines.append(system(80, user: 902, name: "Mx Sam Smith", gender: "nonbinary", bike: "SN0902"))
        for i in 1...4 { lines += reading(80 + i, duration: i, hr: 100) }
        // Ride 5: rider 903, ride deleted through the API (ride tombstone).
        lines.append("--------- beginning of a new ride")
        lines.append(system(90, user: 903, name: "Alan Turing", bike: "SN0903"))
        for i in 1...4 { lines += reading(90 + i, duration: i, hr: 100) }
        // Ride 6: duration falls back without a [SYSTEM] line: the rest is unattributed.
        lines.append(system(100, user: 904, name: "Miss Joan Clarke", gender: "female", bike: "SN0904"))
        for i in 1...5 { lines += reading(100 + i, duration: i, hr: 150) }
        for i in 1...3 { lines += reading(106 + i, duration: i, hr: 150) }
        // Ride 7: left open at the end of a batch sequence that does not end it (in progress).
        lines.append("--------- beginning of a new ride")
        lines.append(system(120, user: 905, name: "Ms Hedy Lamarr", gender: "female", bike: "SN0905"))
        for i in 1...20 { lines += reading(120 + i, duration: i, hr: 140 + i, power: 150.125) }
        return lines
    }

    /// SQL run on both warehouses before the hand-made stream: a rider erased, a ride deleted.
    static func tombstones(startOf rideOf903: Int64) -> [SQL] {
        let erased = Instant(microseconds: 9_000_000_000_000_000), started = Instant(microseconds: rideOf903)
        return ["INSERT INTO rider_tombstones (rider_id, erased_at, erased_by) VALUES (902, \(erased), 'test')",
                "INSERT INTO ride_tombstones (rider_id, bike_serial, started_at, deleted_at, deleted_by) VALUES (903, 'SN0903', \(started), \(Instant(microseconds: 1)), 'test')"]
    }

    /// The instant of a hand-made `[SYSTEM]` line, as the assembler reads it.
    static func instant(ofSecond second: Int) -> Int64 {
        var zone = Zone(identifier: "Europe/London") ?? .utc
        let base = 23 * 3600 + 29 * 60 + 35 + second
        let local = LocalDateTime(year: 2022, month: 7, day: 6 + base / 86_400, hour: (base / 3600) % 24,
                                  minute: (base / 60) % 60, second: base % 60, microsecond: 935_822)
        return zone.instant(of: local).microseconds
    }
}
