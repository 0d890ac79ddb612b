import DelotonCore
import DelotonStore
import Foundation

/// The abnormal-heart-rate email for one alert (interface.md, Alert email): who, which ride,
/// when, the offending readings, the safe range for the rider's age and gender, and advice.
///
/// Rendering is a pure function of the alert, so a repeat after a crash carries the same
/// Message-ID and the same words; only the `Date:` header says when it was sent.
public struct AlertEmail: Sendable {
    public let alert: OutboxAlert
    /// Times are shown in this zone (the display zone).
    public let zone: Zone

    /// The zone's names for its times (GMT, BST), when it has them.
    private let zoneNames: ZoneNames?

    public init(alert: OutboxAlert, zone: Zone) {
        self.alert = alert
        self.zone = zone
        zoneNames = ZoneNames(identifier: zone.identifier)
    }

    /// Stable per ride: made of the ride key (rider, bike, start), not of the warehouse's row
    /// ids, so replaying the stream into any warehouse gives the same id.
    public var messageID: String {
        "alert-\(alert.riderID)-\(Self.idSafe(alert.bikeSerial))-\(alert.rideStartedAt.microseconds)@deloton"
    }

    /// The staff copy to `address` has its own id (a different message, to a different
    /// reader), stable for that address whatever order the staff copies are listed in.
    public func staffMessageID(for address: EmailAddress) -> String {
        let base = messageID.dropLast("@deloton".count)
        return "\(base)-staff-\(Self.fnv1a(address.address.lowercased()))@deloton"
    }

    /// The message to the rider at the address their ride's `[SYSTEM]` line gave.
    public func riderMessage(from sender: EmailAddress, date: Date) -> EmailMessage {
        EmailMessage(
            from: sender,
            to: [EmailAddress(alert.recipient.trimmingCharacters(in: .whitespaces), displayName: displayName)],
            // The ride's number is the warehouse's: a rider knows the ride by its day and time.
            subject: "Abnormal heart rate during your ride on \(shortTime(alert.rideStartTime))",
            date: date,
            messageID: messageID,
            extraHeaders: headers,
            textBody: text(forStaff: false),
            htmlBody: html(forStaff: false))
    }

    /// The same facts for a staff member, as a message of its own so that a bad staff address
    /// never holds up the rider's alert.
    public func staffMessage(to address: EmailAddress, from sender: EmailAddress, date: Date) -> EmailMessage {
        EmailMessage(
            from: sender,
            to: [address],
            subject: "[Staff copy] Abnormal heart rate: \(displayName ?? "rider \(alert.riderID)"), ride \(alert.rideID) (\(shortTime(alert.rideStartTime)))",
            date: date,
            messageID: staffMessageID(for: address),
            extraHeaders: headers,
            textBody: text(forStaff: true),
            htmlBody: html(forStaff: true))
    }

    // MARK: - Facts, worded once for both parts

    private var displayName: String? {
        let name = alert.riderName.trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
    }

    private var headers: [EmailMessage.Header] {
        [
            // RFC 3834: automatic messages are not answered by vacation responders.
            .init("Auto-Submitted", "auto-generated"),
            .init("X-Deloton-Ride", String(alert.rideID)),
            .init("X-Deloton-Rider", String(alert.riderID)),
        ]
    }

    /// "a 32-year-old male rider"; genders other than male and female are treated as other
    /// by the rule, which the text says rather than guess.
    private var riderDescription: String {
        // domain.md: an unknown birth date counts as 65, and the email says a default was used.
        let age = alert.age.map { "\($0)-year-old" } ?? "\(SafeRange.unknownAge)-year-old (the default, as we do not know your age)"
        switch alert.gender.lowercased() {
        case "male", "female": return "\(age) \(alert.gender.lowercased()) rider"
        default: return "\(age) rider (gender \"\(alert.gender)\", ranges for other genders)"
        }
    }

    private var rangeText: String {
        "\(Self.number(alert.safeRange.minimum)) to \(Self.number(alert.safeRange.maximum)) beats per minute"
    }

    private func verdict(_ heartRate: Int) -> String {
        if Double(heartRate) > alert.safeRange.maximum { return "above \(Self.number(alert.safeRange.maximum))" }
        if Double(heartRate) < alert.safeRange.minimum { return "below \(Self.number(alert.safeRange.minimum))" }
        return "in range"
    }

    private static let advice = [
        "If you feel unwell - dizzy, faint, short of breath, or with pain or tightness in your chest - stop exercising now and seek medical help.",
        "In an emergency call 999 (or your local emergency number).",
        "Even if you feel fine, slow down and let your heart rate settle before you carry on.",
    ]

    private func text(forStaff: Bool) -> String {
        let name = displayName ?? "rider \(alert.riderID)"
        var lines: [String] = []
        if forStaff {
            lines.append("Staff copy of an abnormal heart rate alert for \(name) (rider \(alert.riderID), \(alert.recipient.isEmpty ? "no email address" : alert.recipient)).")
        } else {
            lines.append("Dear \(name),")
        }
        lines.append("")
        let whose = forStaff ? "the rider's" : "your"
        lines.append("During \(forStaff ? "ride \(alert.rideID)" : "your ride") on bike \(alert.bikeSerial), which started \(longTime(alert.rideStartTime)), \(whose) heart rate was outside the safe range in \(alert.samples.count) readings in a row:")
        lines.append("")
        lines.append("  Time                          Into the ride   Heart rate")
        for s in alert.samples {
            let time = Self.padded(longClock(s.time), 30)
            let elapsed = Self.padded("\(s.elapsed) s", 16)
            lines.append("  \(time)\(elapsed)\(s.heartRate) bpm (\(verdict(s.heartRate)))")
        }
        lines.append("")
        lines.append("The safe range for \(Self.withArticle(riderDescription)) is \(rangeText).")
        lines.append("")
        lines += Self.advice
        lines.append("")
        lines.append("Alert raised \(longTime(alert.raisedAt)).")
        lines.append("Ride \(alert.rideID), rider \(alert.riderID), bike \(alert.bikeSerial), started \(zone.iso8601(alert.rideStartTime)).")
        lines.append("")
        lines.append("-- ")
        lines.append("Deloton: an automatic message; replies are not read.")
        return lines.joined(separator: "\n") + "\n"
    }

    private func html(forStaff: Bool) -> String {
        let name = Self.escape(displayName ?? "rider \(alert.riderID)")
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Abnormal heart rate</title></head>
            <body style="font-family: Helvetica, Arial, sans-serif; color: #1a1a1a; line-height: 1.4;">

            """
        if forStaff {
            let address = alert.recipient.isEmpty ? "no email address" : Self.escape(alert.recipient)
            out += "<p><strong>Staff copy</strong> of an abnormal heart rate alert for \(name) (rider \(alert.riderID), \(address)).</p>\n"
        } else {
            out += "<p>Dear \(name),</p>\n"
        }
        let whose = forStaff ? "the rider's" : "your"
        out += "<p>During \(forStaff ? "ride \(alert.rideID)" : "your ride") on bike \(Self.escape(alert.bikeSerial)), which started "
            + "\(Self.escape(longTime(alert.rideStartTime))), \(whose) heart rate was <strong>outside the safe range</strong> in "
            + "\(alert.samples.count) readings in a row:</p>\n"
        out += "<table style=\"border-collapse: collapse;\">\n"
        out += "<tr><th style=\"text-align: left; padding: 2px 12px 2px 0;\">Time</th>"
            + "<th style=\"text-align: right; padding: 2px 12px;\">Into the ride</th>"
            + "<th style=\"text-align: right; padding: 2px 0 2px 12px;\">Heart rate</th></tr>\n"
        for s in alert.samples {
            out += "<tr><td style=\"padding: 2px 12px 2px 0;\">\(Self.escape(longClock(s.time)))</td>"
                + "<td style=\"text-align: right; padding: 2px 12px;\">\(s.elapsed) s</td>"
                + "<td style=\"text-align: right; padding: 2px 0 2px 12px; color: #b00020;\"><strong>\(s.heartRate) bpm</strong> "
                + "(\(verdict(s.heartRate)))</td></tr>\n"
        }
        out += "</table>\n"
        out += "<p>The safe range for \(Self.escape(Self.withArticle(riderDescription))) is <strong>\(rangeText)</strong>.</p>\n"
        out += "<p style=\"background: #fdecea; padding: 8px; border-left: 4px solid #b00020;\">"
            + Self.advice.map(Self.escape).joined(separator: "<br>\n") + "</p>\n"
        out += "<p style=\"color: #555; font-size: 90%;\">Alert raised \(Self.escape(longTime(alert.raisedAt))).<br>\n"
            + "Ride \(alert.rideID), rider \(alert.riderID), bike \(Self.escape(alert.bikeSerial)), started "
            + "\(Self.escape(zone.iso8601(alert.rideStartTime))).<br>\n"
            + "Deloton: an automatic message; replies are not read.</p>\n"
        out += "</body></html>\n"
        return out
    }

    // MARK: - Times in the display zone

    private struct LocalTime {
        var date: CivilDate
        var hour: Int, minute: Int, second: Int
        var weekday: Int
        var offsetSeconds: Int
    }

    private func local(_ instant: Instant) -> LocalTime {
        let offset = zone.offsetSeconds(at: instant)
        let micros = instant.microseconds + Int64(offset) * 1_000_000
        let day: Int64 = 86_400_000_000
        let days = micros >= 0 ? micros / day : (micros - day + 1) / day
        let seconds = Int((micros - days * day) / 1_000_000)
        // 1970-01-01 was a Thursday (index 4, Sunday = 0).
        let weekday = Int(((days % 7) + 7 + 4) % 7)
        return LocalTime(date: CivilDate(daysSinceEpoch: Int(days)), hour: seconds / 3600, minute: seconds / 60 % 60,
                         second: seconds % 60, weekday: weekday, offsetSeconds: offset)
    }

    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                                 "October", "November", "December"]

    /// "Wednesday 6 July 2022 at 10:00:01 (BST)"
    private func longTime(_ instant: Instant) -> String {
        let t = local(instant)
        return "\(Self.weekdays[t.weekday]) \(t.date.day) \(Self.months[(t.date.month - 1) % 12]) \(t.date.year) at \(clock(t)) (\(zoneName(instant, t)))"
    }

    /// "10:02:03 (BST)": the readings share the ride's day.
    private func longClock(_ instant: Instant) -> String {
        let t = local(instant)
        return "\(clock(t)) (\(zoneName(instant, t)))"
    }

    /// The zone's own name for the time (GMT in winter, BST in summer, in London), else its offset.
    private func zoneName(_ instant: Instant, _ t: LocalTime) -> String {
        guard let zoneNames else { return Self.offset(t.offsetSeconds) }
        return zoneNames.name(daylight: zone.isDaylightSavingTime(at: instant))
    }

    /// "Wed 6 Jul 2022 10:00", for the subject.
    private func shortTime(_ instant: Instant) -> String {
        let t = local(instant)
        return "\(Self.weekdays[t.weekday].prefix(3)) \(t.date.day) \(Self.months[(t.date.month - 1) % 12].prefix(3)) \(t.date.year) "
            + "\(Self.two(t.hour)):\(Self.two(t.minute))"
    }

    private func clock(_ t: LocalTime) -> String { "\(Self.two(t.hour)):\(Self.two(t.minute)):\(Self.two(t.second))" }

    private static func offset(_ seconds: Int) -> String {
        if seconds == 0 { return "UTC" }
        let minutes = abs(seconds) / 60
        return "UTC\(seconds < 0 ? "-" : "+")\(two(minutes / 60)):\(two(minutes % 60))"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    // MARK: - Small text helpers

    /// "a 32-year-old…", "an 18-year-old…": the article as the number is spoken (eight,
    /// eleven, eighteen and the eighties begin with a vowel sound).
    static func withArticle(_ phrase: String) -> String {
        let digits = phrase.prefix { $0.isNumber }
        let vowelSound: Bool
        if let n = Int(digits) {
            vowelSound = n == 8 || n == 11 || n == 18 || (80...89).contains(n) || (800...899).contains(n)
        } else {
            vowelSound = phrase.first.map { "aeiouAEIOU".contains($0) } ?? false
        }
        return (vowelSound ? "an " : "a ") + phrase
    }

    /// Safe-range bounds such as 188, 166.4 or 176.96, without trailing zeros.
    static func number(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Message-ID left parts allow letters, digits and a few symbols; anything else in a bike
    /// serial becomes `_` (the rider id and start keep the id unique).
    private static func idSafe(_ text: String) -> String {
        let mapped = text.unicodeScalars.map { s -> Character in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || s == "-" || s == "_") ? Character(s) : "_"
        }
        return mapped.isEmpty ? "_" : String(mapped)
    }

    private static func fnv1a(_ text: String) -> String {
        var hash: UInt32 = 0x811c_9dc5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
