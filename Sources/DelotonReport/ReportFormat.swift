import DelotonCore

/// How the report writes dates, times and figures: independent of the process locale, so the
/// HTML, the PDF and the email read the same wherever they are produced.
enum ReportFormat {
    static let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                         "September", "October", "November", "December"]

    /// "Monday 25 July 2022".
    static func longDate(_ date: CivilDate) -> String {
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let weekday = ((date.daysSinceEpoch % 7) + 7 + 3) % 7
        return "\(weekdays[weekday]) \(date.day) \(months[date.month - 1]) \(date.year)"
    }

    /// "Mon 25 Jul".
    static func shortDate(_ date: CivilDate) -> String {
        let weekday = ((date.daysSinceEpoch % 7) + 7 + 3) % 7
        return "\(weekdays[weekday].prefix(3)) \(date.day) \(months[date.month - 1].prefix(3))"
    }

    /// Local "HH:mm" (or "HH") of an instant.
    static func clock(_ instant: Instant, zone: Zone, withMinutes: Bool = true) -> String {
        let local = instant.microseconds + Int64(zone.offsetSeconds(at: instant)) * 1_000_000
        let day: Int64 = 86_400_000_000
        let ofDay = ((local % day) + day) % day
        let minutes = Int(ofDay / 60_000_000)
        let hh = pad(minutes / 60), mm = pad(minutes % 60)
        return withMinutes ? "\(hh):\(mm)" : hh
    }

    /// "18 min 24 s", "1 h 02 min", "45 s".
    static func duration(seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min \(pad(total % 60)) s" }
        return "\(total / 3600) h \(pad(total / 60 % 60)) min"
    }

    static func number(_ value: Double?, decimals: Int = 0, unit: String = "") -> String {
        guard let value else { return "–" }
        return ReportNumber.format(value, decimals: decimals) + (unit.isEmpty ? "" : " " + unit)
    }

    static func count(_ value: Int) -> String { ReportNumber.format(Double(value)) }

    static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// "#1B7F3B", for HTML.
    static func hex(_ color: RGBColor) -> String {
        func byte(_ c: Double) -> String {
            let v = max(0, min(255, Int((c * 255).rounded())))
            let s = String(v, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + byte(color.red) + byte(color.green) + byte(color.blue)
    }
}
