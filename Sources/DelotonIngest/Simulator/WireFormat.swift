import DelotonCore

/// Writes lines exactly as the real stream does (stream-format.md §1-§4).
public enum WireFormat {
    /// `{"log": "<line>\n"}`, Python `json.dumps` style; `key` adds the member deloton's
    /// simulator writes so a file can hold several bikes' streams.
    public static func message(_ line: String, key: String? = nil) -> String {
        var j = JSONWriter(capacity: line.utf8.count + 64, escaping: .nonASCII, spaced: true)
        j.object { j in
            j.field("log", line + "\n")
            if let key { j.field("key", key) }
        }
        return j.text
    }

    static let device = "mendoza v9"

    public static func timestamp(_ t: LocalDateTime) -> String {
        let d = t.date
        let us = t.microsecondOfDay
        let secs = Int(us / 1_000_000), frac = Int(us % 1_000_000)
        return pad(d.year, 4) + "-" + pad(d.month, 2) + "-" + pad(d.day, 2) + " " + pad(secs / 3600, 2) + ":"
            + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2) + "." + pad(frac, 6)
    }

    public static func systemPayload(_ p: RiderProfile) -> String {
        var j = JSONWriter(capacity: 320, escaping: .nonASCII)
        j.object { j in
            j.field("user_id", p.userID)
            j.field("name", p.name)
            j.field("gender", p.gender)
            j.field("address", p.address)
            j.field("date_of_birth", p.dateOfBirthMs)
            j.field("email_address", p.email)
            j.field("height_cm", p.heightCm)
            j.field("weight_kg", p.weightKg)
            j.field("account_create_date", p.accountCreateDateMs)
            j.field("bike_serial", p.bikeSerial)
            j.field("original_source", p.originalSource)
        }
        return j.text
    }

    private static func pad(_ v: Int, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }
}

extension SimulatedRide {
    /// One tick between timestamped lines: nominally 0.5 s, measured slightly longer (§3).
    public static let tickMicros: Int64 = 500_050

    /// The ride's log lines with their local wall times (boundary lines carry the first line's time).
    public func lines() -> [(time: LocalDateTime, text: String)] {
        var out: [(LocalDateTime, String)] = []
        out.reserveCapacity(seconds.count * 2 + 4)
        let base = start.naiveMicroseconds
        func at(_ tick: Int) -> LocalDateTime { LocalDateTime(naiveMicroseconds: base + Int64(tick) * Self.tickMicros) }
        let dev = WireFormat.device
        out.append((at(0), "--------- beginning of main"))
        out.append((at(0), "--------- beginning of a new ride"))
        out.append((at(0), "\(WireFormat.timestamp(at(0))) \(dev): Getting user data from server.."))
        out.append((at(1), "\(WireFormat.timestamp(at(1))) \(dev): [SYSTEM] data = \(WireFormat.systemPayload(profile))"))
        for (i, s) in seconds.enumerated() {
            let k = i + 1
            let rideTime = at(2 * k), telemetryTime = at(2 * k + 1)
            out.append((rideTime, "\(WireFormat.timestamp(rideTime)) \(dev): [INFO]: Ride - duration = \(Double(k)); resistance = \(s.resistance)"))
            let power = Self.power(rpm: s.rpm, resistance: s.resistance)
            out.append((telemetryTime, "\(WireFormat.timestamp(telemetryTime)) \(dev): [INFO]: Telemetry - hrt = \(s.hr); rpm = \(s.rpm); power = \(power)"))
        }
        return out
    }

    /// The wall time just after the ride's last line: when the bike's next ride can begin.
    public var endTime: LocalDateTime {
        LocalDateTime(naiveMicroseconds: start.naiveMicroseconds + Int64(2 * seconds.count + 2) * Self.tickMicros)
    }
}

extension LocalDateTime {
    public init(naiveMicroseconds us: Int64) {
        let day: Int64 = 86_400_000_000
        let days = us >= 0 ? us / day : (us - day + 1) / day
        self.init(date: CivilDate(daysSinceEpoch: Int(days)), microsecondOfDay: us - days * day)
    }
}
