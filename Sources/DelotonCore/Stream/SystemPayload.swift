/// Reads and checks the `[SYSTEM]` payload, field by field (docs/warehouse.md, Field rules).
///
/// The payload is a flat JSON object. It is read by hand, without recursion, so that no input
/// (100,000 nested brackets, 1e400, 2^64, Int64.min dates, NUL in a name) can trap or reach the
/// warehouse out of range. An identity field that breaks its rule refuses the line; a descriptive
/// field that breaks its rule is left unknown and the reason travels with the kept line.
enum SystemPayload {
    /// The checked profile, and why any descriptive fields were left out.
    struct Checked {
        var profile: RiderProfile
        var refused: String?
    }

    /// 1900-01-01T00:00Z: the earliest date a birth or account date may be.
    static let earliestDateMs: Int64 = -2_208_988_800_000
    static let heightRange = 50...280
    static let weightRange = 20...400

    static func read(_ b: UnsafeBufferPointer<UInt8>, lineDate: CivilDate) -> Result<Checked, ParseFailure> {
        let members: [String: Value]
        switch FlatObject.read(b) {
        case .failure(let reason): return .failure(ParseFailure("[SYSTEM] payload is not valid JSON: \(reason)"))
        case .success(let m): members = m
        }
        var refused: [String] = []

        // Identity: the ride cannot be attributed without these.
        let userID: Int
        switch members["user_id"] {
        case nil: return .failure(ParseFailure("[SYSTEM] payload lacks \"user_id\""))
        case .number(let token):
            switch wholeNumber(token) {
            case .some(let v) where v > 0 && !token.hasPrefix("-"): userID = Int(v)
            case .some: return .failure(ParseFailure("[SYSTEM] user_id \(clip(token)) is not a positive whole number"))
            case .none: return .failure(ParseFailure("[SYSTEM] user_id \(clip(token)) is not a whole number that fits 64 bits"))
            }
        case .some: return .failure(ParseFailure("[SYSTEM] user_id is not a number"))
        }
        let bikeSerial: String
        guard members["bike_serial"] != nil else { return .failure(ParseFailure("[SYSTEM] payload lacks \"bike_serial\"")) }
        switch text(members["bike_serial"], "bike_serial", maxLength: 64) {
        case .success(let s) where !s.isEmpty: bikeSerial = s
        case .success: return .failure(ParseFailure("[SYSTEM] bike_serial is empty"))
        case .failure(let reason): return .failure(ParseFailure("[SYSTEM] \(reason)"))
        }

        // Descriptive: kept unknown when they break their rule.
        func describe(_ key: String, maxLength: Int) -> String {
            switch text(members[key], key, maxLength: maxLength) {
            case .success(let s): return s
            case .failure(let reason): refused.append(reason.description); return ""
            }
        }
        let name = describe("name", maxLength: 200)
        let gender = describe("gender", maxLength: 32)
        let address = describe("address", maxLength: 300)
        let originalSource = describe("original_source", maxLength: 64)
        var email = describe("email_address", maxLength: 254)
        if !email.isEmpty, !looksLikeEmail(email) {
            refused.append("email_address is not an email address")
            email = ""
        }
        // A date may be at most one day after the line's own date (time zones, clock skew).
        let latestMs = Int64(lineDate.adding(days: 2).daysSinceEpoch) * 86_400_000
        func date(_ key: String) -> Int64? {
            switch members[key] {
            case .number(let token):
                if let ms = wholeNumber(token), ms >= earliestDateMs, ms < latestMs { return ms }
                refused.append("\(key) is not a date from 1900-01-01 to the day after the line")
            case nil: refused.append("\(key) is missing")
            case .some: refused.append("\(key) is not a number")
            }
            return nil
        }
        func measure(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            switch members[key] {
            case .number(let token):
                if let v = wholeNumber(token), v >= Int64(range.lowerBound), v <= Int64(range.upperBound) { return Int(v) }
                // A body measurement is personal data: the reason names the rule, not the value.
                refused.append("\(key) is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            case nil: refused.append("\(key) is missing")
            case .some: refused.append("\(key) is not a number")
            }
            return nil
        }
        let profile = RiderProfile(
            userID: userID, name: name, gender: gender, address: address, dateOfBirthMs: date("date_of_birth"),
            email: email, heightCm: measure("height_cm", heightRange), weightKg: measure("weight_kg", weightRange),
            accountCreateDateMs: date("account_create_date"), bikeSerial: bikeSerial, originalSource: originalSource)
        return .success(Checked(profile: profile, refused: refused.isEmpty ? nil : refused.joined(separator: "; ")))
    }

    /// A text field: valid UTF-8, no control characters, within its length. The value itself
    /// never goes into the reason: it may be personal data.
    private static func text(_ value: Value?, _ key: String, maxLength: Int) -> Result<String, FieldError> {
        switch value {
        case nil: return .failure(FieldError("\(key) is missing"))
        case .string(let bytes):
            guard let s = String(validating: bytes, as: UTF8.self) else { return .failure(FieldError("\(key) is not valid UTF-8")) }
            if let c = s.unicodeScalars.first(where: isControl) {
                return .failure(FieldError("\(key) contains the control character U+\(hex(c.value))"))
            }
            guard s.count <= maxLength else { return .failure(FieldError("\(key) is longer than \(maxLength) characters")) }
            return .success(s.trimmingSpaces())
        case .some: return .failure(FieldError("\(key) is not a string"))
        }
    }

    struct FieldError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// C0, DEL and C1 controls: NUL breaks PostgreSQL text, CR/LF break mail headers and logs.
    private static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (0x7F...0x9F).contains(c.value)
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `local@domain.tld`, no spaces: enough to refuse what no mail server would take.
    static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty,
              domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
              !s.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" }) else { return false }
        return true
    }

    /// A JSON integer (`-?digits`, no fraction or exponent) that fits Int64.
    static func wholeNumber(_ token: String) -> Int64? {
        guard !token.isEmpty, token.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }) else { return nil }
        return Int64(token)
    }

    /// Numbers from the stream are echoed in reasons, never whole if long.
    private static func clip(_ token: String) -> String {
        token.count <= 24 ? token : String(token.prefix(24)) + "…"
    }

    enum Value: Equatable {
        case string([UInt8])
        /// The number's text as written: its field decides what it may be.
        case number(String)
        case literal
        case nested
    }

    /// One JSON object of scalar members, read iteratively: nested values are skipped by
    /// counting brackets (never by recursion), so their depth cannot exhaust the stack.
    enum FlatObject {
        static func read(_ b: UnsafeBufferPointer<UInt8>) -> Result<[String: Value], FieldError> {
            var i = 0
            var members: [String: Value] = [:]
            func fail(_ s: String) -> Result<[String: Value], FieldError> { .failure(FieldError(s)) }
            skipSpaces(b, &i)
            guard i < b.count, b[i] == UInt8(ascii: "{") else { return fail("expected an object") }
            i += 1
            skipSpaces(b, &i)
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    skipSpaces(b, &i)
                    guard i < b.count, b[i] == UInt8(ascii: "\""), let nameBytes = string(b, &i) else {
                        return fail("expected a member name at byte \(i)")
                    }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    skipSpaces(b, &i)
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { return fail("expected ':' at byte \(i)") }
                    i += 1
                    skipSpaces(b, &i)
                    guard let value = value(b, &i) else { return fail("bad value at byte \(i)") }
                    guard members.updateValue(value, forKey: name) == nil else {
                        return fail("the member \"\(name.count <= 32 ? name : "…")\" appears twice")
                    }
                    skipSpaces(b, &i)
                    guard i < b.count else { return fail("the object is not closed") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard b[i] == UInt8(ascii: "}") else { return fail("expected ',' or '}' at byte \(i)") }
                    i += 1
                    break
                }
            }
            skipSpaces(b, &i)
            return i == b.count ? .success(members) : fail("trailing bytes after the object")
        }

        private static func value(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Value? {
            guard i < b.count else { return nil }
            switch b[i] {
            case UInt8(ascii: "\""):
                return string(b, &i).map(Value.string)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                return skipNested(b, &i) ? .nested : nil
            case UInt8(ascii: "-"), 0x30...0x39:
                let start = i
                while i < b.count, isNumberByte(b[i]) { i += 1 }
                return .number(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
            default:
                for word in ["true", "false", "null"] where hasWord(b, i, word) {
                    i += word.utf8.count
                    return .literal
                }
                return nil
            }
        }

        private static func isNumberByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
        }

        private static func hasWord(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: String) -> Bool {
            let w = Array(word.utf8)
            guard i + w.count <= b.count else { return false }
            return (0..<w.count).allSatisfy { b[i + $0] == w[$0] }
        }

        /// Past a nested array or object, counting brackets outside strings.
        private static func skipNested(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Bool {
            var depth = 0
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\""):
                    guard string(b, &i) != nil else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { i += 1; return true }
                default: break
                }
                i += 1
            }
            return false
        }

        /// A JSON string from its opening quote, unescaped; an escape JSON does not define refuses it.
        private static func string(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> [UInt8]? {
            var out: [UInt8] = []
            return JSONString.read(b, &i, into: &out, unknownEscapes: .refused) ? out : nil
        }

        private static func skipSpaces(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }
    }
}
