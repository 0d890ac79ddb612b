/// A point in time: microseconds since the Unix epoch, UTC.
///
/// The stream's timestamps have microsecond precision, and integer microseconds
/// compare, hash and store exactly in both warehouses.
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(seconds: Double) { self.microseconds = Int64((seconds * 1_000_000).rounded()) }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.microseconds < rhs.microseconds }

    public func adding(seconds: Double) -> Instant {
        Instant(microseconds: microseconds + Int64((seconds * 1_000_000).rounded()))
    }

    public var description: String { TimeFormat.iso8601(self, offsetSeconds: 0) }

    public init(from decoder: any Decoder) throws {
        microseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(microseconds)
    }
}

/// A calendar date with no time or zone (dates of birth, account creation, report days).
public struct CivilDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year; self.month = month; self.day = day
    }

    /// The UTC date of an instant given in milliseconds since the epoch (negative before 1970).
    /// Floor division: no intermediate can overflow, whatever `ms` is (Int64.min included).
    public init(epochMilliseconds ms: Int64) {
        let (q, r) = ms.quotientAndRemainder(dividingBy: 86_400_000)
        self.init(daysSinceEpoch: Int(r < 0 ? q - 1 : q))
    }

    /// Days since 1970-01-01 (Howard Hinnant's civil-from-days algorithm).
    public init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Whole years from `self` (a birth date) to `date`.
    public func age(on date: CivilDate) -> Int {
        var years = date.year - year
        if (date.month, date.day) < (month, day) { years -= 1 }
        return years
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        TimeFormat.pad(year, 4) + "-" + TimeFormat.pad(month, 2) + "-" + TimeFormat.pad(day, 2)
    }

    /// Parses `YYYY-MM-DD` strictly (a real calendar day).
    public init?(iso string: some StringProtocol) {
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(validYear: y, month: m, day: d)
    }

    /// A date only if the day exists (no 31 April, no 29 February outside leap years).
    public init?(validYear y: Int, month m: Int, day d: Int) {
        guard (1...12).contains(m), d >= 1, y >= 1, y <= 9999 else { return nil }
        let candidate = CivilDate(year: y, month: m, day: d)
        guard CivilDate(daysSinceEpoch: candidate.daysSinceEpoch) == candidate else { return nil }
        self = candidate
    }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = CivilDate(iso: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(s)"))
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A wall-clock time with no zone, as the stream writes it.
public struct LocalDateTime: Hashable, Sendable, Codable {
    public var date: CivilDate
    /// Microseconds since local midnight.
    public var microsecondOfDay: Int64

    public init(date: CivilDate, microsecondOfDay: Int64) {
        self.date = date; self.microsecondOfDay = microsecondOfDay
    }

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int = 0) {
        date = CivilDate(year: year, month: month, day: day)
        microsecondOfDay = Int64(((hour * 60 + minute) * 60 + second)) * 1_000_000 + Int64(microsecond)
    }

    /// The instant this wall time would be if the zone were UTC.
    public var naiveMicroseconds: Int64 {
        Int64(date.daysSinceEpoch) * 86_400_000_000 + microsecondOfDay
    }
}
