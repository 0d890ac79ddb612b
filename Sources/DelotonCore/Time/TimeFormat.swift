/// ISO 8601 rendering without Foundation formatters: they are slow and locale-sensitive.
public enum TimeFormat {
    /// `2022-07-25T16:12:32.019+01:00`: milliseconds and an explicit offset, as the API promises.
    public static func iso8601(_ instant: Instant, offsetSeconds: Int) -> String {
        let local = instant.microseconds + Int64(offsetSeconds) * 1_000_000
        let dayMicros: Int64 = 86_400_000_000
        let days = local >= 0 ? local / dayMicros : (local - dayMicros + 1) / dayMicros
        let ofDay = local - days * dayMicros
        let date = CivilDate(daysSinceEpoch: Int(days))
        let millis = Int(ofDay / 1000)
        let h = millis / 3_600_000, mi = millis / 60000 % 60, s = millis / 1000 % 60, ms = millis % 1000
        var out = date.description + "T" + pad(h, 2) + ":" + pad(mi, 2) + ":" + pad(s, 2) + "." + pad(ms, 3)
        if offsetSeconds == 0 {
            out += "Z"
        } else {
            let sign = offsetSeconds < 0 ? "-" : "+"
            let a = abs(offsetSeconds) / 60
            out += sign + pad(a / 60, 2) + ":" + pad(a % 60, 2)
        }
        return out
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
