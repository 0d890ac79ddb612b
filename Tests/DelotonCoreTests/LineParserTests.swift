@testable import DelotonCore
import Testing

@Suite struct LineParserTests {
    func parse(_ s: String) -> Result<ParsedMessage, ParseFailure> {
        var p = LineParser()
        return p.parse(Array(s.utf8))
    }

    func line(_ s: String) -> StreamLine? {
        if case .success(let m) = parse(s) { return m.line }
        return nil
    }

    func reason(_ s: String) -> String? {
        if case .failure(let f) = parse(s) { return f.reason }
        return nil
    }

    @Test func boundaries() {
        #expect(line(#"{"log": "--------- beginning of main\n"}"#) == .beginningOfMain)
        #expect(line(#"{"log": "--------- beginning of a new ride\n"}"#) == .beginningOfRide)
        #expect(reason(#"{"log": "--------- beginning of something\n"}"#) != nil)
    }

    @Test func telemetryWithPythonReprPower() {
        let l = line(#"{"log": "2022-10-04 10:24:47.698653 mendoza v9: [INFO]: Telemetry - hrt = 109; rpm = 49; power = 13.448875699999999\n"}"#)
        #expect(l == .telemetry(LocalDateTime(year: 2022, month: 10, day: 4, hour: 10, minute: 24, second: 47, microsecond: 698_653),
                                heartRate: 109, rpm: 49, power: 13.448875699999999))
        #expect(line("2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = 0; rpm = 0; power = 0.0") != nil)
        #expect(line("2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = 1; rpm = 2; power = 1.5e2")
                == .telemetry(LocalDateTime(year: 2022, month: 7, day: 6, hour: 23, minute: 29, second: 36, microsecond: 935_860), heartRate: 1, rpm: 2, power: 150))
    }

    @Test func rideLine() {
        #expect(line(#"{"log": "2022-07-06 23:31:35.438341 mendoza v9: [INFO]: Ride - duration = 120.0; resistance = 170\n"}"#)
                == .ride(LocalDateTime(year: 2022, month: 7, day: 6, hour: 23, minute: 31, second: 35, microsecond: 438_341), duration: 120, resistance: 170))
    }

    @Test func systemAndGettingUser() throws {
        let s = #"{"log": "2022-07-06 23:29:35.935822 mendoza v9: [SYSTEM] data = {\"user_id\":100,\"name\":\"Steven Pearce\",\"gender\":\"male\",\"address\":\"0 Simpson locks,Wilkinsonshire,E68 8SH\",\"date_of_birth\":273715200000,\"email_address\":\"steven.p@gmail.com\",\"height_cm\":167,\"weight_kg\":83,\"account_create_date\":1647993600000,\"bike_serial\":\"SN0000\",\"original_source\":\"direct\"}\n"}"#
        guard case .system(_, let p) = try #require(line(s)) else { Issue.record("not a system line"); return }
        #expect(p.userID == 100 && p.name == "Steven Pearce" && p.dateOfBirthMs == 273_715_200_000 && p.bikeSerial == "SN0000")
        #expect(line(#"{"log": "2022-07-06 23:29:35.435798 mendoza v9: Getting user data from server..\n"}"#) != nil)
    }

    @Test func keyMemberAndOtherDevices() throws {
        let m = try parse(#"{"log": "2022-07-06 23:29:35.435798 peloton v12: Getting user data from server..\n", "key": "SN0042"}"#).get()
        #expect(m.key == "SN0042")
        #expect(try parse(#"{"key": null, "log": "--------- beginning of main\n"}"#).get().line == .beginningOfMain)
    }

    @Test func unicodeEscapes() throws {
        let s = #"{"log": "2022-07-06 23:29:35.935822 mendoza v9: [SYSTEM] data = {\"user_id\":1,\"name\":\"Zo\u00eb \u00c5se\",\"gender\":\"female\",\"address\":\"1 a,b,E1 1AA\",\"date_of_birth\":0,\"email_address\":\"z@x.com\",\"height_cm\":1,\"weight_kg\":1,\"account_create_date\":0,\"bike_serial\":\"SN1\",\"original_source\":\"direct\"}\n"}"#
        guard case .system(_, let p) = try #require(line(s)) else { Issue.record("not a system line"); return }
        #expect(p.name == "Zoë Åse")
    }

    @Test(arguments: [
        ("", "empty line"),
        ("   ", "empty line"),
        (#"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telem"#, "truncated JSON"),
        (#"{"nolog": "x"}"#, "no \"log\" member"),
        (#"{"log": 5}"#, "not a string"),
        (#"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = abc; rpm = 0; power = 0.0\n"}"#, "hrt is not"),
        (#"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = 1; rpm = 0; power = nan\n"}"#, "power"),
        (#"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Ride - duration = x; resistance = 1\n"}"#, "duration"),
        (#"{"log": "2022-13-06 23:29:36.935860 mendoza v9: [INFO]: Ride - duration = 1.0; resistance = 1\n"}"#, "timestamp"),
        (#"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [SYSTEM] data = {\"user_id\":1}\n"}"#, "lacks"),
        (#"{"log": "2022-07-06 23:29:36.935860 mendoza v9: hello\n"}"#, "unrecognised"),
        ("garbage", "timestamp"),
    ])
    func rejectsWithReason(input: String, expected: String) throws {
        let r = try #require(reason(input))
        #expect(r.contains(expected), "\(r)")
    }

    // MARK: - The log text read in place

    /// The same line with the first byte of its `log` text written as a `\u00XX` escape: the same
    /// message, but one that must be unescaped, as every line was before the in-place path.
    func escapingFirstLogByte(_ s: String) -> String? {
        let bytes = Array(s.utf8)
        guard let open = bytes.firstRange(of: Array(#""log": ""#.utf8))?.upperBound ?? bytes.firstRange(of: Array(#""log":""#.utf8))?.upperBound,
              open < bytes.count, bytes[open] != UInt8(ascii: "\\"), bytes[open] != UInt8(ascii: "\""), bytes[open] < 0x80
        else { return nil }
        let escape = Array(String(format: "\\u%04x", Int(bytes[open])).utf8)
        return String(decoding: bytes[..<open] + escape + bytes[(open + 1)...], as: UTF8.self)
    }

    /// Parses both ways and expects the same result (a reason naming a byte offset moves with the escape).
    func expectSameAsUnescaped(_ s: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let escaped = escapingFirstLogByte(s) else { return }
        let plain = parse(s), unescaped = parse(escaped)
        if case .failure(let a) = plain, case .failure(let b) = unescaped, a.reason.contains("at byte"), b.reason.contains("at byte") { return }
        #expect(plain == unescaped, "\(s)", sourceLocation: sourceLocation)
    }

    @Test func inPlaceLogEdges() throws {
        let telemetry = "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = 1; rpm = 2; power = 3.25"
        let cases = [
            #"{"log": "\#(telemetry)\n"}"#, #"{"log": "\#(telemetry)"}"#, #"{"log": "\#(telemetry)\n\n"}"#,
            #"{"log": "\#(telemetry)\r\n"}"#, "{\"log\": \"\(telemetry)\n\"}", "{\"log\": \"\(telemetry)\n\n\"}",
            "{\"log\": \"\(telemetry)\r\"}", #"{"log": "\#(telemetry)\n", "key": "SN1"}"#,
            #"{"key": "SN1", "log": "\#(telemetry)\n"}"#, #"{"key": "S\u004e1", "log": "\#(telemetry)\n"}"#,
            #"{"key": "SN1\n", "log": "\#(telemetry)\n"}"#, #"{"key": "SN1\", "log": "\#(telemetry)\n"}"#,
            #"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Tele", "log": "metry - hrt = 1; rpm = 2; power = 3.25\n"}"#,
            #"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Tele\n", "log": "metry - hrt = 1; rpm = 2; power = 3.25\n"}"#,
            #"{"log": "--------- beginning of main\n", "log": ""}"#, #"{"log": "--------- beginning of main", "log": "\n"}"#,
            #"{"log": "\n"}"#, #"{"log": ""}"#, #"{"log": "\#(telemetry)\n"#, #"{"log": "\#(telemetry)\"#,
            #"{"log": "\#(telemetry)\n""#, #"{"log": "\#(telemetry)\n"} x"#, #"{"log": "\#(telemetry)\x"}"#,
            #"{"log": "\#(telemetry)\n"]"#, #"{"log": "\#(telemetry)\\n"}"#, #"{"log": "\#(telemetry)\"\n"}"#,
        ]
        for s in cases { expectSameAsUnescaped(s) }
        #expect(line(#"{"log": "--------- beginning of main", "log": "\n"}"#) == .beginningOfMain)
        #expect(reason(#"{"log": "--------- beginning of main\n", "log": "x\n"}"#) != nil)
        #expect(try parse(#"{"key": "SN1", "log": "--------- beginning of main\n"}"#).get().key == "SN1")
        #expect(try parse(#"{"key": "S\u004e1", "log": "--------- beginning of main\n"}"#).get().key == "SN1")
    }

    /// Lines of every kind, cut and spliced with the bytes that matter to the envelope, parse the
    /// same read in place as unescaped.
    @Test func inPlaceLogMatchesUnescapingOnMutatedLines() {
        let seeds = [
            #"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = 109; rpm = 49; power = 13.448875699999999\n", "key": "SN0042"}"#,
            #"{"log": "2022-07-06 23:31:35.438341 mendoza v9: [INFO]: Ride - duration = 120.0; resistance = 170\n"}"#,
            #"{"log": "2022-07-06 23:29:35.435798 mendoza v9: Getting user data from server..\n", "key": "SN1"}"#,
            #"{"log": "--------- beginning of a new ride\n"}"#,
            #"{"log": "2022-07-06 23:29:35.935822 mendoza v9: [SYSTEM] data = {\"user_id\":100,\"name\":\"Steven Pearce\",\"gender\":\"male\",\"address\":\"0 Simpson locks,Wilkinsonshire,E68 8SH\",\"date_of_birth\":273715200000,\"email_address\":\"steven.p@gmail.com\",\"height_cm\":167,\"weight_kg\":83,\"account_create_date\":1647993600000,\"bike_serial\":\"SN0000\",\"original_source\":\"direct\"}\n"}"#,
        ]
        let splices = Array(#"\n"{}:, \r"#.utf8) + [0x0A, 0x0D, 0x09, UInt8(ascii: "5"), UInt8(ascii: ".")]
        var rng = SeededRandom(seed: 11)
        for _ in 0..<20_000 {
            var b = Array(seeds[Int(rng.next() % UInt64(seeds.count))].utf8)
            for _ in 0..<(1 + rng.next() % 3) {
                let at = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b.remove(at: at)
                case 1: b.insert(splices[Int(rng.next() % UInt64(splices.count))], at: at)
                default: b[at] = splices[Int(rng.next() % UInt64(splices.count))]
                }
            }
            expectSameAsUnescaped(String(decoding: b, as: UTF8.self))
        }
    }

    // MARK: - Timestamps

    /// The timestamp rule written out plainly: fields read as integers, then checked.
    func referenceTimestamp(_ b: [UInt8]) -> LocalDateTime? {
        guard b.count >= 26 else { return nil }
        for (k, c) in [(4, "-"), (7, "-"), (10, " "), (13, ":"), (16, ":"), (19, ".")] where b[k] != UInt8(ascii: Unicode.Scalar(c)!) {
            return nil
        }
        func field(_ from: Int, _ count: Int) -> Int? {
            let digits = b[from..<(from + count)]
            guard digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return Int(String(decoding: digits, as: UTF8.self))
        }
        guard let y = field(0, 4), let mo = field(5, 2), let d = field(8, 2), let h = field(11, 2),
              let mi = field(14, 2), let s = field(17, 2), let us = field(20, 6) else { return nil }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard y >= 1900, (1...12).contains(mo), (1...days[mo - 1]).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        return LocalDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s, microsecond: us)
    }

    @Test func timestampsMatchThePlainRule() {
        var rng = SeededRandom(seed: 23)
        let years = ["1899", "1900", "1904", "2000", "2023", "2024", "2100", "9999", "0000"]
        let months = ["00", "01", "02", "04", "09", "11", "12", "13", "99"]
        let days = ["00", "01", "28", "29", "30", "31", "32"]
        let hours = ["00", "23", "24"], minutes = ["00", "59", "60"], seconds = ["00", "59", "60", "61"]
        let noise: [UInt8] = [0x2F, 0x3A, 0x20, UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "."), 0x00, 0xFF, UInt8(ascii: "a")]
        func pick(_ a: [String]) -> String { a[Int(rng.next() % UInt64(a.count))] }
        for _ in 0..<100_000 {
            var b = Array("\(pick(years))-\(pick(months))-\(pick(days)) \(pick(hours)):\(pick(minutes)):\(pick(seconds)).\(100_000 + rng.next() % 900_000) x".utf8)
            if rng.next() % 3 == 0 { b[Int(rng.next() % 27)] = noise[Int(rng.next() % UInt64(noise.count))] }
            if rng.next() % 50 == 0 { b.removeLast(Int(rng.next() % 4)) }
            let got = b.withUnsafeBufferPointer { LineParser.parseTimestamp($0) }
            #expect(got == referenceTimestamp(b), "\(String(decoding: b, as: UTF8.self))")
        }
    }
}

