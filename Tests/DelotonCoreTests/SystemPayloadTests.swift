import DelotonCore
import DelotonTestSupport
import Foundation
import Testing

/// Every `[SYSTEM]` field is checked where the line is parsed (docs/warehouse.md, Field rules):
/// identity fields refuse the line, descriptive ones are left unknown with the reason.
@Suite struct SystemPayloadTests {
    static let good: [String: String] = [
        "user_id": "100", "name": "\"Steven Pearce\"", "gender": "\"male\"",
        "address": "\"0 Simpson locks,Wilkinsonshire,E68 8SH\"", "date_of_birth": "273715200000",
        "email_address": "\"steven.p@example.com\"", "height_cm": "167", "weight_kg": "83",
        "account_create_date": "1647993600000", "bike_serial": "\"SN0000\"", "original_source": "\"direct\"",
    ]

    /// A wire-format [SYSTEM] message with one member replaced (or removed with nil).
    static func message(_ key: String? = nil, _ value: String? = nil) -> [UInt8] {
        var members = good
        if let key { members[key] = value }
        let payload = "{" + members.keys.sorted().compactMap { k in members[k].map { "\"\(k)\":\($0)" } }.joined(separator: ",") + "}"
        let line = "2022-07-06 23:29:35.935822 mendoza v9: [SYSTEM] data = " + payload
        return Array(("{\"log\": " + JSONQuoting.quoted(line + "\n") + "}").utf8)
    }

    static func parse(_ bytes: [UInt8]) -> Result<ParsedMessage, ParseFailure> {
        var parser = LineParser()
        return parser.parse(bytes)
    }

    static func kept(_ key: String, _ value: String) throws -> (RiderProfile, String) {
        let message = try parse(message(key, value)).get()
        guard case .system(_, let profile) = message.line else { throw ParseFailure("not a [SYSTEM] line") }
        return (profile, message.refusedFields ?? "")
    }

    static func refused(_ key: String?, _ value: String?) -> String {
        switch parse(message(key, value)) {
        case .success: return "(kept)"
        case .failure(let f): return f.reason
        }
    }

    @Test func aCleanPayloadKeepsEveryField() throws {
        let message = try Self.parse(Self.message()).get()
        guard case .system(_, let p) = message.line else { Issue.record("not a [SYSTEM] line"); return }
        #expect(message.refusedFields == nil)
        #expect(p == RiderProfile(userID: 100, name: "Steven Pearce", gender: "male", address: "0 Simpson locks,Wilkinsonshire,E68 8SH",
                                  dateOfBirthMs: 273_715_200_000, email: "steven.p@example.com", heightCm: 167, weightKg: 83,
                                  accountCreateDateMs: 1_647_993_600_000, bikeSerial: "SN0000", originalSource: "direct"))
    }

    @Test func everyRealSampleLineParsesWithNothingRefused() throws {
        var parser = LineParser()
        var systems = 0
        for line in try String(contentsOfFile: TestPaths.realSample, encoding: .utf8).split(separator: "\n") {
            let message = try parser.parse(Array(line.utf8)).get()
            if case .system = message.line { systems += 1 }
            #expect(message.refusedFields == nil)
        }
        #expect(systems > 0)
    }

    @Test(arguments: ["-9223372036854775808", "9223372036854775807", "-2208988800001", "99999999999999", "1e400", "18446744073709551616"])
    func datesOutOfRangeAreUnknown(value: String) throws {
        for key in ["date_of_birth", "account_create_date"] {
            let (profile, reason) = try Self.kept(key, value)
            #expect(key == "date_of_birth" ? profile.dateOfBirthMs == nil : profile.accountCreateDateMs == nil)
            #expect(reason.contains("\(key) is not a date from 1900-01-01 to the day after the line"))
            #expect(!reason.contains(value), "dates are personal data: the value is not echoed")
        }
    }

    @Test func datesAtTheEdgesAreKept() throws {
        #expect(try Self.kept("date_of_birth", "-2208988800000").0.dateOfBirthMs == -2_208_988_800_000)
        // The line is 2022-07-06: the day after it is the latest date allowed.
        #expect(try Self.kept("account_create_date", "1657152000000").0.accountCreateDateMs == 1_657_152_000_000)
        #expect(try Self.kept("account_create_date", "1657238400000").0.accountCreateDateMs == nil)
    }

    @Test func measuresOutsideHumanRangesAreUnknown() throws {
        let (tall, reason) = try Self.kept("height_cm", "3000000000")
        #expect(tall.heightCm == nil)
        #expect(reason == "height_cm is not a whole number from 50 to 280")
        #expect(try Self.kept("weight_kg", "-5").0.weightKg == nil)
        #expect(try Self.kept("weight_kg", "70.5").1 == "weight_kg is not a whole number from 20 to 400")
        #expect(try Self.kept("height_cm", "\"tall\"").1 == "height_cm is not a number")
    }

    @Test(arguments: ["name", "gender", "address", "email_address", "original_source"])
    func controlCharactersInTextAreRefused(key: String) throws {
        for (escaped, code) in [("\\u0000", "0000"), ("\\r\\n", "000D"), ("\\u001b", "001B"), ("\\u0085", "0085")] {
            let (profile, reason) = try Self.kept(key, "\"a\(escaped)b@example.com\"")
            #expect(reason == "\(key) contains the control character U+\(code)")
            #expect([profile.name, profile.gender, profile.address, profile.email, profile.originalSource].contains(""))
        }
    }

    @Test func emailsMustBeAddresses() throws {
        #expect(try Self.kept("email_address", "\"not an address\"").1 == "email_address is not an email address")
        #expect(try Self.kept("email_address", "\"a@b\"").0.email == "")
        #expect(try Self.kept("email_address", "\"mr.s@gmail.com\"").0.email == "mr.s@gmail.com")
    }

    @Test func identityFieldsRefuseTheLineWithTheRealCause() {
        #expect(Self.refused("user_id", "-0") == "[SYSTEM] user_id -0 is not a positive whole number")
        #expect(Self.refused("user_id", "0") == "[SYSTEM] user_id 0 is not a positive whole number")
        #expect(Self.refused("user_id", "9223372036854775808") == "[SYSTEM] user_id 9223372036854775808 is not a whole number that fits 64 bits")
        #expect(Self.refused("user_id", "18446744073709551616") == "[SYSTEM] user_id 18446744073709551616 is not a whole number that fits 64 bits")
        #expect(Self.refused("user_id", "1e400") == "[SYSTEM] user_id 1e400 is not a whole number that fits 64 bits")
        #expect(Self.refused("user_id", "\"100\"") == "[SYSTEM] user_id is not a number")
        #expect(Self.refused("user_id", nil) == "[SYSTEM] payload lacks \"user_id\"")
        #expect(Self.refused("bike_serial", "\"SN\\u00000\"") == "[SYSTEM] bike_serial contains the control character U+0000")
        #expect(Self.refused("bike_serial", "\"\"") == "[SYSTEM] bike_serial is empty")
        #expect(Self.refused("user_id", "9223372036854775807") == "(kept)")
    }

    @Test func deepNestingIsReadWithoutRecursion() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let (profile, reason) = try Self.kept("name", deep)
        #expect(profile.name == "" && reason == "name is not a string")
        #expect(Self.refused("user_id", deep) == "[SYSTEM] user_id is not a number")
        let unclosed = String(repeating: "{\"a\":", count: 100_000)
        #expect(Self.refused("name", unclosed).hasPrefix("[SYSTEM] payload is not valid JSON"))
    }

    @Test func invalidUTF8InATextFieldIsRefused() throws {
        // A plain log line (no envelope), so the raw bytes reach the payload as they are.
        var bytes = Array("2022-07-06 23:29:35.935822 mendoza v9: [SYSTEM] data = {\"user_id\":7,\"name\":\"A".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\",\"bike_serial\":\"SN1\"}".utf8)
        let message = try Self.parse(bytes).get()
        guard case .system(_, let p) = message.line else { Issue.record("not a [SYSTEM] line"); return }
        #expect(p.userID == 7 && p.name == "")
        #expect(message.refusedFields?.contains("name is not valid UTF-8") == true)
    }

    @Test func timestampsMustBeRealDates() {
        for time in ["2022-02-30 10:00:00.000000", "1899-12-31 23:59:59.000000", "0000-01-01 00:00:00.000000"] {
            var parser = LineParser()
            let result = parser.parse(Array("\(time) mendoza v9: Getting user data from server..".utf8))
            guard case .failure(let f) = result else { Issue.record("\(time) was accepted"); continue }
            #expect(f.reason.hasPrefix("no valid timestamp"))
        }
    }

    @Test func readingsOutOfRangeAreRefused() {
        var parser = LineParser()
        let prefix = "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = "
        #expect(parser.parse(Array((prefix + "401; rpm = 1; power = 1.0").utf8)) == .failure(ParseFailure("Telemetry line: hrt is above 400")))
        #expect(parser.parse(Array((prefix + "80; rpm = 1; power = 1e300").utf8)) == .failure(ParseFailure("Telemetry line: power is above 100000 W")))
        #expect(parser.parse(Array((prefix + "80; rpm = 1; power = 1e400").utf8)) == .failure(ParseFailure("Telemetry line: power is not a non-negative number")))
    }
}
