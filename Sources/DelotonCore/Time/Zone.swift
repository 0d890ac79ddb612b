import Foundation

/// Converts between the stream's zone-less wall times and instants, for one IANA zone.
///
/// Domain rule: an ambiguous autumn hour takes the earlier offset; a wall time inside the
/// spring gap moves forward by the gap. Offsets are cached per local hour because every
/// stream line needs a conversion and `TimeZone` lookups are comparatively slow.
public struct Zone: Sendable {
    public let identifier: String
    private let timeZone: TimeZone
    private var cache: [Int64: Int64] = [:]
    /// The last hour looked up: consecutive lines almost always share it.
    private var lastHour: Int64 = .min
    private var lastOffset: Int64 = 0

    public init?(identifier: String) {
        guard let tz = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.timeZone = tz
    }

    public static let utc = Zone(identifier: "UTC")!

    /// Whether the zone keeps summer time at an instant.
    public func isDaylightSavingTime(at instant: Instant) -> Bool {
        timeZone.isDaylightSavingTime(for: Date(timeIntervalSince1970: instant.seconds))
    }

    /// Offset from UTC in seconds at an instant.
    public func offsetSeconds(at instant: Instant) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: instant.seconds))
    }

    public mutating func instant(of local: LocalDateTime) -> Instant {
        let naive = local.naiveMicroseconds
        let hourMicros: Int64 = 3_600_000_000
        let hourKey = naive >= 0 ? naive / hourMicros : (naive - hourMicros + 1) / hourMicros
        if hourKey == lastHour { return Instant(microseconds: naive - lastOffset) }
        if let offset = cache[hourKey] {
            lastHour = hourKey
            lastOffset = offset
            return Instant(microseconds: naive - offset)
        }
        // Offsets in force twelve hours either side bracket any transition inside this hour.
        let before = Int64(offsetSeconds(at: Instant(microseconds: naive - 12 * hourMicros))) * 1_000_000
        let after = Int64(offsetSeconds(at: Instant(microseconds: naive + 12 * hourMicros))) * 1_000_000
        let offset: Int64
        if before == after {
            offset = before
        } else {
            let beforeValid = Int64(offsetSeconds(at: Instant(microseconds: naive - before))) * 1_000_000 == before
            let afterValid = Int64(offsetSeconds(at: Instant(microseconds: naive - after))) * 1_000_000 == after
            // Ambiguous: both valid, the earlier offset wins. Gap: neither valid; reading the time
            // with the offset from before the change lands it after the gap.
            offset = (beforeValid || !afterValid) ? before : after
        }
        // Only hours away from a transition are safe to cache.
        if before == after {
            cache[hourKey] = offset
            lastHour = hourKey
            lastOffset = offset
        }
        return Instant(microseconds: naive - offset)
    }

    /// The local calendar date of an instant in this zone.
    public func date(of instant: Instant) -> CivilDate {
        let local = instant.microseconds + Int64(offsetSeconds(at: instant)) * 1_000_000
        let dayMicros: Int64 = 86_400_000_000
        return CivilDate(daysSinceEpoch: Int(local >= 0 ? local / dayMicros : (local - dayMicros + 1) / dayMicros))
    }

    /// The instants `[start, end)` of a local day in this zone.
    public func interval(of day: CivilDate) -> Range<Instant> {
        var zone = self
        let start = zone.instant(of: LocalDateTime(date: day, microsecondOfDay: 0))
        let end = zone.instant(of: LocalDateTime(date: day.adding(days: 1), microsecondOfDay: 0))
        return start..<end
    }

    public func iso8601(_ instant: Instant) -> String {
        TimeFormat.iso8601(instant, offsetSeconds: offsetSeconds(at: instant))
    }
}
