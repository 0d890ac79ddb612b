import DelotonCore
import Hummingbird

/// A request's query, decoded (`+` as space, percent escapes), with typed readers that answer
/// 400 with a message naming the parameter. Unknown keys are never looked at, so they are ignored.
struct QueryParameters: Sendable {
    private var values: [String: String] = [:]

    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0]), value = parts.count > 1 ? Self.decode(parts[1]) : ""
            // The first occurrence wins, so a repeated key cannot widen a filter.
            if values[key] == nil { values[key] = value }
        }
    }

    init(_ request: Request) { self.init(request.uri.query) }

    subscript(_ key: String) -> String? { values[key] }

    var all: [String: String] { values }

    /// A whole number in `range`, written in plain digits.
    func integer(_ key: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let raw = values[key] else { return nil }
        guard let n = Self.digits(raw), range.contains(n) else {
            throw APIError.badRequest("query parameter '\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound) (got '\(Self.clip(raw))')")
        }
        return n
    }

    func boolean(_ key: String) throws -> Bool? {
        guard let raw = values[key] else { return nil }
        switch raw {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("query parameter '\(key)' must be true or false (got '\(Self.clip(raw))')")
        }
    }

    /// Free text: at most 100 characters, no control characters (which no serial or gender has).
    func text(_ key: String) throws -> String? {
        guard let raw = values[key] else { return nil }
        guard raw.unicodeScalars.count <= 100, !raw.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw APIError.badRequest("query parameter '\(key)' must be at most 100 printable characters")
        }
        return raw
    }

    func oneOf(_ key: String, _ allowed: [String]) throws -> String? {
        guard let raw = values[key] else { return nil }
        guard allowed.contains(raw) else {
            throw APIError.badRequest("query parameter '\(key)' must be one of \(allowed.joined(separator: ", ")) (got '\(Self.clip(raw))')")
        }
        return raw
    }

    /// A `since`-style bound: a `YYYY-MM-DD` day (its first instant, or with `endOfDay` the first
    /// instant of the next day) or an ISO 8601 date-time with an offset.
    func instant(_ key: String, zone: Zone, endOfDay: Bool) throws -> Instant? {
        guard let raw = values[key] else { return nil }
        if let day = CivilDate(iso: raw) {
            let interval = zone.interval(of: day)
            return endOfDay ? interval.upperBound : interval.lowerBound
        }
        if let instant = DateTimeParser.instant(raw) { return instant }
        throw APIError.badRequest("query parameter '\(key)' must be a date YYYY-MM-DD or an ISO 8601 date-time such as 2022-07-25T16:12:32.019+01:00 (got '\(Self.clip(raw))')")
    }

    static func digits(_ s: String) -> Int64? {
        guard !s.isEmpty, s.utf8.count <= 19, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(s)
    }

    /// Echoes of bad input are cut short so that an error never carries a huge value back.
    static func clip(_ s: String) -> String { s.count > 40 ? String(s.prefix(40)) + "…" : s }

    static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if b == UInt8(ascii: "%"), it.count >= 2, let h = hex(it[it.startIndex]), let l = hex(it[it.startIndex + 1]) {
                bytes.append(h << 4 | l)
                it.removeFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let h = String(b, radix: 16, uppercase: true)
                out += "%" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }
}

/// Dates as the routes take them.
enum DayParser {
    /// `YYYY-MM-DD`, or `DD-MM-YYYY` where `/daily` allows it; only days that exist.
    static func day(_ s: String, allowDayFirst: Bool) -> CivilDate? {
        if let d = CivilDate(iso: s) { return d }
        guard allowDayFirst else { return nil }
        let p = s.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 2, p[1].count == 2, p[2].count == 4,
              let d = QueryParameters.digits(String(p[0])), let m = QueryParameters.digits(String(p[1])),
              let y = QueryParameters.digits(String(p[2])) else { return nil }
        return CivilDate(validYear: Int(y), month: Int(m), day: Int(d))
    }
}

/// RFC 3339 date-times (`2022-07-25T16:12:32.019+01:00`, `...Z`), as JSON Schema's `date-time` means.
enum DateTimeParser {
    static func instant(_ s: String) -> Instant? {
        let b = Array(s.utf8)
        guard b.count >= 20, let date = CivilDate(iso: String(decoding: b[0..<10], as: UTF8.self)),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let h = number(b[11..<13]), let mi = number(b[14..<16]), let sec = number(b[17..<19]),
              h <= 23, mi <= 59, sec <= 60 else { return nil }
        var i = 19
        var micros: Int64 = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            guard i > start else { return nil }
            var digits = Array(b[start..<i].prefix(6))
            while digits.count < 6 { digits.append(48) }
            micros = Int64(number(digits[...]) ?? 0)
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"), let oh = number(b[(i + 1)..<(i + 3)]),
                  let om = number(b[(i + 4)..<(i + 6)]), oh <= 23, om <= 59 else { return nil }
            offset = Int64(oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(h * 3600 + mi * 60 + sec) - offset
        return Instant(microseconds: seconds * 1_000_000 + micros)
    }

    private static func number(_ s: ArraySlice<UInt8>) -> Int? {
        var n = 0
        for c in s {
            guard c >= 48, c <= 57 else { return nil }
            n = n * 10 + Int(c - 48)
        }
        return s.isEmpty ? nil : n
    }
}
