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
        // Checked first, as the writer would spell these null, which would not read back.
        let numbers = [monitor.range.maximum, monitor.range.minimum, totals.powerSum, totals.powerMax ?? 0]
        guard numbers.allSatisfy(\.isFinite) else { throw NonFiniteNumber() }
        var j = JSONWriter(capacity: 768)
        j.object { j in
            if let ageAtStart { j.field("ageAtStart", ageAtStart) }
            if let endTime { j.field("endTime", endTime.microseconds) }
            j.key("key"); j.object { j in
                j.field("bikeSerial", key.bikeSerial)
                j.field("riderID", key.riderID)
                j.field("startedAt", key.startedAt.microseconds)
            }
            j.field("lastElapsed", lastElapsed)
            j.field("lastSeenDuration", lastSeenDuration)
            j.key("monitor"); j.object { j in
                j.field("alerted", monitor.alerted)
                j.key("range"); j.object { j in
                    j.field("maximum", monitor.range.maximum)
                    j.field("minimum", monitor.range.minimum)
                }
                j.key("run"); j.array { j in
                    for sample in monitor.run {
                        j.object { j in
                            j.field("elapsed", sample.elapsed)
                            j.field("heartRate", sample.heartRate)
                            j.field("time", sample.time.microseconds)
                        }
                    }
                }
            }
            if let pendingLine {
                j.key("pendingLine"); j.object { j in
                    j.field("duplicate", pendingLine.duplicate)
                    j.field("elapsed", pendingLine.elapsed)
                    j.field("resistance", pendingLine.resistance)
                    j.field("time", pendingLine.time.microseconds)
                }
            }
            // The stream's member names, as RiderProfile's CodingKeys spell them.
            j.key("profile"); j.object { j in
                if let ms = profile.accountCreateDateMs { j.field("account_create_date", ms) }
                j.field("address", profile.address)
                j.field("bike_serial", profile.bikeSerial)
                if let ms = profile.dateOfBirthMs { j.field("date_of_birth", ms) }
                j.field("email_address", profile.email)
                j.field("gender", profile.gender)
                if let cm = profile.heightCm { j.field("height_cm", cm) }
                j.field("name", profile.name)
                j.field("original_source", profile.originalSource)
                j.field("user_id", profile.userID)
                if let kg = profile.weightKg { j.field("weight_kg", kg) }
            }
            if let source { j.field("source", source) }
            j.field("startTime", startTime.microseconds)
            j.field("stream", stream)
            j.key("totals"); j.object { j in
                j.field("heartRateCount", totals.heartRateCount)
                if let max = totals.heartRateMax { j.field("heartRateMax", max) }
                if let min = totals.heartRateMin { j.field("heartRateMin", min) }
                j.field("heartRateSum", totals.heartRateSum)
                if let max = totals.powerMax { j.field("powerMax", max) }
                j.field("powerSum", totals.powerSum)
                j.field("readingCount", totals.readingCount)
                j.field("resistanceSum", totals.resistanceSum)
                j.field("rpmSum", totals.rpmSum)
            }
        }
        return j.text
    }
}
