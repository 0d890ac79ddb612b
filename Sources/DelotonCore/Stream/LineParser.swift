import Foundation

/// Reads one stream message, wire-format (`{"log": "..."}`) or a plain log line, from bytes.
///
/// The hot path walks bytes by hand: no regular expressions and no `String` until a value is
/// known to be text we keep. Every rejection says why, for the quarantine.
public struct LineParser: Sendable {
    /// Unescaped `log` text, reused between calls so parsing allocates nothing per line.
    private var scratch: [UInt8] = []
    private var keyScratch: [UInt8] = []
    private var lastKeyBytes: [UInt8] = []
    private var lastKey = ""

    public init() { scratch.reserveCapacity(1024) }

    public mutating func parse(_ bytes: [UInt8]) -> Result<ParsedMessage, ParseFailure> {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<ParsedMessage, ParseFailure> {
        var start = 0, end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        guard start < end else { return .failure(ParseFailure("empty line")) }

        guard bytes[start] == UInt8(ascii: "{") else {
            // A plain log line, as a bike writes it to its own log file.
            return Self.parseLog(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }
        var key: String?
        let envelope = UnsafeBufferPointer(rebasing: bytes[start..<end])
        let result: Result<ParsedMessage, ParseFailure>
        switch decodeEnvelope(envelope, key: &key) {
        case .failure(let f):
            return .failure(ParseFailure(f.reason, key: key))
        case .success(let plain?):
            // The producer ends every line with one escaped newline: strip exactly one.
            var text = plain.text
            if !plain.escapedNewline, !text.isEmpty, envelope[text.upperBound - 1] == UInt8(ascii: "\n") {
                text = text.lowerBound..<(text.upperBound - 1)
            }
            result = Self.parseLog(UnsafeBufferPointer(rebasing: envelope[text]))
        case .success(nil):
            var n = scratch.count
            if n > 0, scratch[n - 1] == UInt8(ascii: "\n") { n -= 1 }
            result = scratch.withUnsafeBufferPointer { Self.parseLog(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
        switch result {
        case .success(var message):
            message.key = key
            return .success(message)
        case .failure(let f): return .failure(ParseFailure(f.reason, key: key))
        }
    }

    // MARK: - Envelope

    /// A JSON string with no escape but an optional `\n` at its end, as nearly every producer writes
    /// the `log` member: its text can be read where it is, without unescaping it into `scratch` (that
    /// copy was the parser's largest cost). Its unescaped text is `text`, then a newline if `escapedNewline`.
    private struct PlainString {
        var text: Range<Int>
        var escapedNewline: Bool
    }

    /// The string whose opening quote is at `quote` if it is plain, and the index after its closing quote.
    ///
    /// memchr finds the first quote, then the first backslash before it: faster than a loop
    /// testing every byte for both. A quote that is escaped has a backslash just before it, so
    /// it is never taken for the closing one.
    private static func plainString(_ b: UnsafeBufferPointer<UInt8>, at quote: Int) -> (PlainString, end: Int)? {
        let start = quote + 1
        guard let close = find(UInt8(ascii: "\""), in: b, from: start, to: b.count) else { return nil }
        guard let escape = find(UInt8(ascii: "\\"), in: b, from: start, to: close) else {
            return (PlainString(text: start..<close, escapedNewline: false), close + 1)
        }
        guard escape + 2 == close, b[escape + 1] == UInt8(ascii: "n") else { return nil }
        return (PlainString(text: start..<escape, escapedNewline: true), close + 1)
    }

    /// The index of the first `byte` in `b[from..<to]`.
    private static func find(_ byte: UInt8, in b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard let base = b.baseAddress, from >= 0, from < to, to <= b.count,
              let found = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// Finds the `log` member: its text in place when it is plain (nil otherwise: then unescaped
    /// into `scratch`); picks up `key` if present. Other members are ignored.
    private mutating func decodeEnvelope(_ b: UnsafeBufferPointer<UInt8>, key: inout String?) -> Result<PlainString?, ParseFailure> {
        var i = 1
        var sawLog = false
        var inPlace: PlainString?
        scratch.removeAll(keepingCapacity: true)
        skipSpaces(b, &i)
        if i < b.count, b[i] == UInt8(ascii: "}") { return .failure(ParseFailure("JSON object has no \"log\" member")) }
        while true {
            skipSpaces(b, &i)
            guard i < b.count, b[i] == UInt8(ascii: "\"") else {
                return .failure(ParseFailure("not a JSON object of strings: expected a member name at byte \(i)"))
            }
            // Member names are compared in place: the envelope only ever has "log" and "key".
            let nameStart = i + 1
            guard skipJSONString(b, &i) else { return .failure(ParseFailure("truncated JSON: unterminated member name")) }
            let name = UnsafeBufferPointer(rebasing: b[nameStart..<(i - 1)])
            skipSpaces(b, &i)
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return .failure(ParseFailure("truncated JSON: expected ':' after a member name")) }
            i += 1
            skipSpaces(b, &i)
            let isLog = Self.same(name, "log"), isKey = Self.same(name, "key")
            if i < b.count, b[i] == UInt8(ascii: "\"") {
                if isLog {
                    if !sawLog, let (plain, end) = Self.plainString(b, at: i) {
                        inPlace = plain
                        i = end
                    } else {
                        // Escapes, or a second "log" member, whose text follows the first's.
                        if let first = inPlace {
                            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: b[first.text]))
                            if first.escapedNewline { scratch.append(UInt8(ascii: "\n")) }
                            inPlace = nil
                        }
                        guard JSONString.read(b, &i, into: &scratch, unknownEscapes: .kept) else { return .failure(ParseFailure("truncated JSON: the \"log\" string is not terminated")) }
                    }
                    sawLog = true
                } else if isKey {
                    if let (plain, end) = Self.plainString(b, at: i), !plain.escapedNewline {
                        // Consecutive messages mostly share a key: reuse its String.
                        let text = UnsafeBufferPointer(rebasing: b[plain.text])
                        if !lastKeyBytes.withUnsafeBufferPointer({ Self.same(text, $0) }) {
                            lastKeyBytes = Array(text)
                            lastKey = String(decoding: text, as: UTF8.self)
                        }
                        i = end
                    } else {
                        keyScratch.removeAll(keepingCapacity: true)
                        guard JSONString.read(b, &i, into: &keyScratch, unknownEscapes: .kept) else { return .failure(ParseFailure("truncated JSON: a string is not terminated")) }
                        if keyScratch != lastKeyBytes {
                            lastKeyBytes = keyScratch
                            lastKey = String(decoding: keyScratch, as: UTF8.self)
                        }
                    }
                    key = lastKey
                } else {
                    guard skipJSONString(b, &i) else { return .failure(ParseFailure("truncated JSON: a string is not terminated")) }
                }
            } else {
                if isLog { return .failure(ParseFailure("the \"log\" member is not a string")) }
                // A non-string member we do not use (e.g. a null key): skip a scalar.
                while i < b.count, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "}") {
                    if b[i] == UInt8(ascii: "{") || b[i] == UInt8(ascii: "[") {
                        return .failure(ParseFailure("unexpected nested JSON value in the envelope"))
                    }
                    i += 1
                }
            }
            skipSpaces(b, &i)
            guard i < b.count else { return .failure(ParseFailure("truncated JSON: the object is not closed")) }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "}") else { return .failure(ParseFailure("invalid JSON: expected ',' or '}' at byte \(i)")) }
            i += 1
            skipSpaces(b, &i)
            guard i == b.count else { return .failure(ParseFailure("invalid JSON: trailing bytes after the object")) }
            return sawLog ? .success(inPlace) : .failure(ParseFailure("JSON object has no \"log\" member"))
        }
    }

    /// Moves past a JSON string starting at its opening quote.
    private func skipJSONString(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Bool {
        i += 1
        while i < b.count {
            if b[i] == UInt8(ascii: "\\") { i += 2; continue }
            if b[i] == UInt8(ascii: "\"") { i += 1; return true }
            i += 1
        }
        return false
    }

    /// Byte-wise equality by memcmp: the generic `elementsEqual` and its lazily made arrays were
    /// a twentieth of parsing.
    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }  // both empty
        return memcmp(pa, pb, a.count) == 0
    }

    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        same(a, UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private func skipSpaces(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        while i < b.count, isSpace(b[i]) { i += 1 }
    }

    private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    // MARK: - The log line

    static let beginningOfMain: StaticString = "--------- beginning of main"
    static let beginningOfRide: StaticString = "--------- beginning of a new ride"
    static let gettingUser: StaticString = "Getting user data from server.."
    static let systemPrefix: StaticString = "[SYSTEM] data = "
    static let ridePrefix: StaticString = "[INFO]: Ride - duration = "
    static let telemetryPrefix: StaticString = "[INFO]: Telemetry - hrt = "

    /// Parses the text of one log line (already unescaped and without its newline).
    public static func parseLog(_ b: UnsafeBufferPointer<UInt8>) -> Result<ParsedMessage, ParseFailure> {
        var end = b.count
        if end > 0, b[end - 1] == 0x0D { end -= 1 }  // tolerate CRLF captures
        let line = UnsafeBufferPointer(rebasing: b[0..<end])
        if line.count > 0, line[0] == UInt8(ascii: "-") {
            if equals(line, 0, beginningOfMain, exact: true) { return .success(ParsedMessage(line: .beginningOfMain)) }
            if equals(line, 0, beginningOfRide, exact: true) { return .success(ParsedMessage(line: .beginningOfRide)) }
            return .failure(ParseFailure("unrecognised boundary line"))
        }
        guard let time = parseTimestamp(line) else {
            return .failure(ParseFailure("no valid timestamp (expected YYYY-MM-DD HH:MM:SS.ffffff, a real date from 1900)"))
        }
        // After the time: one space, the device (`name vN`), then ": ".
        var i = 26
        guard i < line.count, line[i] == 0x20 else { return .failure(ParseFailure("expected a space after the timestamp")) }
        i += 1
        let devStart = i
        while i < line.count, line[i] != 0x20, line[i] != UInt8(ascii: ":") { i += 1 }
        guard i > devStart, i + 2 < line.count, line[i] == 0x20, line[i + 1] == UInt8(ascii: "v"), isDigit(line[i + 2]) else {
            return .failure(ParseFailure("no device name (expected e.g. 'mendoza v9: ')"))
        }
        i += 2
        while i < line.count, isDigit(line[i]) { i += 1 }
        guard i + 1 < line.count, line[i] == UInt8(ascii: ":"), line[i + 1] == 0x20 else {
            return .failure(ParseFailure("expected ': ' after the device name"))
        }
        i += 2

        if equals(line, i, telemetryPrefix, exact: false) {
            return parseTelemetry(line, i + telemetryPrefix.utf8CodeUnitCount, time).map { ParsedMessage(line: $0) }
        }
        if equals(line, i, ridePrefix, exact: false) {
            return parseRide(line, i + ridePrefix.utf8CodeUnitCount, time).map { ParsedMessage(line: $0) }
        }
        if equals(line, i, systemPrefix, exact: false) {
            let json = UnsafeBufferPointer(rebasing: line[(i + systemPrefix.utf8CodeUnitCount)...])
            return SystemPayload.read(json, lineDate: time.date).map {
                ParsedMessage(line: .system(time, $0.profile), refusedFields: $0.refused)
            }
        }
        if equals(line, i, gettingUser, exact: false), i + gettingUser.utf8CodeUnitCount == line.count {
            return .success(ParsedMessage(line: .gettingUserData(time)))
        }
        return .failure(ParseFailure("unrecognised message after the device name"))
    }

    private static func parseRide(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ time: LocalDateTime) -> Result<StreamLine, ParseFailure> {
        var i = start
        guard let whole = readInt(b, &i) else { return .failure(ParseFailure("Ride line: duration is not a number")) }
        // `duration` is written as a float (`120.0`); its whole seconds identify the reading.
        guard i < b.count, b[i] == UInt8(ascii: ".") else { return .failure(ParseFailure("Ride line: duration is not a decimal number")) }
        i += 1
        let fracStart = i
        while i < b.count, isDigit(b[i]) { i += 1 }
        guard i > fracStart else { return .failure(ParseFailure("Ride line: duration is not a decimal number")) }
        guard expect(b, &i, "; resistance = ") else { return .failure(ParseFailure("Ride line: expected '; resistance = '")) }
        guard let resistance = readInt(b, &i) else { return .failure(ParseFailure("Ride line: resistance is not a whole number")) }
        guard resistance <= Self.maxResistance else {
            return .failure(ParseFailure("Ride line: resistance \(resistance) is above \(Self.maxResistance)"))
        }
        guard i == b.count else { return .failure(ParseFailure("Ride line: unexpected text after resistance")) }
        return .success(.ride(time, duration: whole, resistance: resistance))
    }

    private static func parseTelemetry(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ time: LocalDateTime) -> Result<StreamLine, ParseFailure> {
        var i = start
        guard let hrt = readInt(b, &i) else { return .failure(ParseFailure("Telemetry line: hrt is not a whole number")) }
        // A heart rate is health data: the reason gives the rule, not the value.
        guard hrt <= Self.maxHeartRate else { return .failure(ParseFailure("Telemetry line: hrt is above \(Self.maxHeartRate)")) }
        guard expect(b, &i, "; rpm = ") else { return .failure(ParseFailure("Telemetry line: expected '; rpm = '")) }
        guard let rpm = readInt(b, &i) else { return .failure(ParseFailure("Telemetry line: rpm is not a whole number")) }
        guard rpm <= Self.maxRPM else { return .failure(ParseFailure("Telemetry line: rpm \(rpm) is above \(Self.maxRPM)")) }
        guard expect(b, &i, "; power = ") else { return .failure(ParseFailure("Telemetry line: expected '; power = '")) }
        guard let power = readDouble(b, i), power.isFinite, power >= 0 else {
            return .failure(ParseFailure("Telemetry line: power is not a non-negative number"))
        }
        guard power <= Self.maxPower else { return .failure(ParseFailure("Telemetry line: power is above \(Int(Self.maxPower)) W")) }
        return .success(.telemetry(time, heartRate: hrt, rpm: rpm, power: power))
    }

    // MARK: - Ranges

    // Far beyond any bike or rider (the stream's maxima are 170, 160 bpm, 143 rpm and 792 W),
    // and small enough that a ride's sums can never overflow or turn infinite.
    static let maxResistance = 10_000
    static let maxHeartRate = 400
    static let maxRPM = 1_000
    static let maxPower = 100_000.0
    /// Stream times before 1900 are no bike's clock, and dates before it are refused anyway.
    static let earliestYear = 1900

    // MARK: - Bytes

    /// `YYYY-MM-DD HH:MM:SS.ffffff` at the start of the line.
    static func parseTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> LocalDateTime? {
        guard b.count >= 26, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == 0x20,
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: ".") else { return nil }
        // All 20 digits are checked in one loop first, so the fields below are plain arithmetic
        // (a helper returning an optional per field was a twentieth of parsing).
        for k in 0..<26 where timestampDigits & (1 << k) != 0 {
            guard b[k] &- 0x30 < 10 else { return nil }
        }
        func d(_ k: Int) -> Int { Int(b[k] &- 0x30) }
        let y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)
        let mo = d(5) * 10 + d(6), day = d(8) * 10 + d(9)
        let h = d(11) * 10 + d(12), mi = d(14) * 10 + d(15), s = d(17) * 10 + d(18)
        let us = ((d(20) * 10 + d(21)) * 10 + d(22)) * 1000 + (d(23) * 10 + d(24)) * 10 + d(25)
        guard y >= earliestYear, mo >= 1, mo <= 12, day >= 1, day <= daysIn(month: mo, of: y), h < 24, mi < 60, s < 61 else { return nil }
        return LocalDateTime(date: CivilDate(year: y, month: mo, day: day),
                             microsecondOfDay: Int64((h * 60 + mi) * 60 + s) * 1_000_000 + Int64(us))
    }

    /// Bit k is set when byte k of a timestamp is a digit (all but `-- ::.` at 4, 7, 10, 13, 16, 19).
    /// (Computed, so no lazy global is checked per line.)
    private static var timestampDigits: UInt32 { (1 << 26 - 1) & ~(1 << 4 | 1 << 7 | 1 << 10 | 1 << 13 | 1 << 16 | 1 << 19) }

    /// Checked on every line, so by table rather than by a round trip through days since the epoch.
    private static func daysIn(month: Int, of year: Int) -> Int {
        if month == 2 { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28 }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31
    }

    /// Non-negative decimal integer of at most 9 digits (larger values are not bike data).
    private static func readInt(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int? {
        let start = i
        var v = 0
        while i < b.count, isDigit(b[i]) {
            v = v * 10 + Int(b[i] - 0x30)
            i += 1
            if i - start > 9 { return nil }
        }
        return i > start ? v : nil
    }

    /// The rest of the line as a float (Python `repr` style, exponent allowed; strtod's `inf`,
    /// hex and leading spaces are not).
    private static func readDouble(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Double? {
        let n = b.count - start
        guard n > 0, n < 64 else { return nil }
        return PlainDecimal.value(UnsafeBufferPointer(rebasing: b[start...]))
    }

    private static func expect(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let p = literal.utf8Start
        for k in 0..<n where b[i + k] != p[k] { return false }
        i += n
        return true
    }

    private static func equals(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ literal: StaticString, exact: Bool) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard at >= 0, at + n <= b.count, !exact || at + n == b.count else { return false }
        return same(UnsafeBufferPointer(rebasing: b[at..<(at + n)]), literal)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}
