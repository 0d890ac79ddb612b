/// An open ride's saved state as JSON text, written by hand.
///
/// Every batch saves the state of every open ride it touched, so with many bikes riding this
/// runs thousands of times a second; Foundation's JSONEncoder took about half of the writer's
/// time there. The members are Codable's (keys sorted, nil members left out), so `JSONDecoder`
/// reads the text back as the same value, and the same state is always the same text.
extension OpenRide {
    public struct NonFiniteNumber: Error, CustomStringConvertible {
        public var description: String { "an open ride's state holds a number that is not finite; JSON cannot carry it" }
    }

    public func stateJSON() throws(NonFiniteNumber) -> String {
        var j = StateJSON()
        j.open()
        if let ageAtStart { j.key("ageAtStart"); j.int(ageAtStart) }
        if let endTime { j.key("endTime"); j.int(endTime.microseconds) }
        j.key("key"); j.open()
        j.key("bikeSerial"); j.string(key.bikeSerial)
        j.key("riderID"); j.int(key.riderID)
        j.key("startedAt"); j.int(key.startedAt.microseconds)
        j.close()
        j.key("lastElapsed"); j.int(lastElapsed)
        j.key("lastSeenDuration"); j.int(lastSeenDuration)
        j.key("monitor"); j.open()
        j.key("alerted"); j.bool(monitor.alerted)
        j.key("range"); j.open()
        j.key("maximum"); try j.double(monitor.range.maximum)
        j.key("minimum"); try j.double(monitor.range.minimum)
        j.close()
        j.key("run"); j.raw("[")
        for (i, sample) in monitor.run.enumerated() {
            if i > 0 { j.raw(",") }
            j.open()
            j.key("elapsed"); j.int(sample.elapsed)
            j.key("heartRate"); j.int(sample.heartRate)
            j.key("time"); j.int(sample.time.microseconds)
            j.close()
        }
        j.raw("]")
        j.close()
        if let pendingLine {
            j.key("pendingLine"); j.open()
            j.key("duplicate"); j.bool(pendingLine.duplicate)
            j.key("elapsed"); j.int(pendingLine.elapsed)
            j.key("resistance"); j.int(pendingLine.resistance)
            j.key("time"); j.int(pendingLine.time.microseconds)
            j.close()
        }
        // The stream's member names, as RiderProfile's CodingKeys spell them.
        j.key("profile"); j.open()
        if let ms = profile.accountCreateDateMs { j.key("account_create_date"); j.int(ms) }
        j.key("address"); j.string(profile.address)
        j.key("bike_serial"); j.string(profile.bikeSerial)
        if let ms = profile.dateOfBirthMs { j.key("date_of_birth"); j.int(ms) }
        j.key("email_address"); j.string(profile.email)
        j.key("gender"); j.string(profile.gender)
        if let cm = profile.heightCm { j.key("height_cm"); j.int(cm) }
        j.key("name"); j.string(profile.name)
        j.key("original_source"); j.string(profile.originalSource)
        j.key("user_id"); j.int(profile.userID)
        if let kg = profile.weightKg { j.key("weight_kg"); j.int(kg) }
        j.close()
        if let source { j.key("source"); j.string(source) }
        j.key("startTime"); j.int(startTime.microseconds)
        j.key("stream"); j.string(stream)
        j.key("totals"); j.open()
        j.key("heartRateCount"); j.int(totals.heartRateCount)
        if let max = totals.heartRateMax { j.key("heartRateMax"); j.int(max) }
        if let min = totals.heartRateMin { j.key("heartRateMin"); j.int(min) }
        j.key("heartRateSum"); j.int(totals.heartRateSum)
        if let max = totals.powerMax { j.key("powerMax"); try j.double(max) }
        j.key("powerSum"); try j.double(totals.powerSum)
        j.key("readingCount"); j.int(totals.readingCount)
        j.key("resistanceSum"); j.int(totals.resistanceSum)
        j.key("rpmSum"); j.int(totals.rpmSum)
        j.close()
        j.close()
        return String(decoding: j.bytes, as: UTF8.self)
    }
}

/// Appends JSON to a byte buffer; commas go in by themselves.
private struct StateJSON {
    var bytes: [UInt8] = []
    /// True right after `{` or a key: the next member or value needs no comma before it.
    private var fresh = true

    init() { bytes.reserveCapacity(768) }

    /// Text as it is: array brackets and the commas between elements.
    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
        fresh = false
    }

    mutating func open() {
        bytes.append(UInt8(ascii: "{"))
        fresh = true
    }

    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        fresh = false
    }

    mutating func key(_ name: StaticString) {
        if !fresh { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        fresh = true
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        bytes.append(contentsOf: String(value).utf8)
        fresh = false
    }

    mutating func bool(_ value: Bool) {
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        fresh = false
    }

    mutating func double(_ value: Double) throws(OpenRide.NonFiniteNumber) {
        guard value.isFinite else { throw OpenRide.NonFiniteNumber() }
        // Whole numbers as JSONEncoder spells them (52, not 52.0); others in Swift's shortest
        // spelling that reads back as the same Double.
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992, !(value == 0 && value.sign == .minus) {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
        fresh = false
    }

    mutating func string(_ value: String) {
        JSONQuoting.append(value, to: &bytes)
        fresh = false
    }
}
