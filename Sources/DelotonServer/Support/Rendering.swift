import Foundation
import DelotonCore
import DelotonStore

/// The API's shapes (interface.md): a ride, an expanded ride's readings, a rider.
struct Rendering: Sendable {
    let zone: Zone

    func ride(_ r: RideRecord, readings: [Reading]? = nil, into w: inout JSONWriter) {
        let m = r.metrics
        w.object { w in
            w.field("id", r.id)
            w.field("rider_id", r.riderID)
            w.field("bike_serial", r.bikeSerial)
            w.field("start_time", zone.iso8601(r.startTime))
            w.field("end_time", r.endTime.map { zone.iso8601($0) })
            w.field("in_progress", r.inProgress)
            w.field("duration_s", m.durationSeconds)
            w.field("reading_count", m.readingCount)
            w.field("avg_heart_rate", m.avgHeartRate)
            w.field("min_heart_rate", m.minHeartRate)
            w.field("max_heart_rate", m.maxHeartRate)
            w.field("avg_power_w", m.avgPower)
            w.field("max_power_w", m.maxPower)
            w.field("total_energy_kj", m.totalEnergyKJ)
            w.field("avg_rpm", m.avgRPM)
            w.field("avg_resistance", m.avgResistance)
            w.field("alert_sent", r.alertRaised)
            if let readings {
                w.key("readings")
                w.array { w in
                    // One zone lookup per ride rather than per reading, unless the ride spans a clock change.
                    let first = readings.first.map { zone.offsetSeconds(at: $0.time) } ?? 0
                    let last = readings.last.map { zone.offsetSeconds(at: $0.time) } ?? 0
                    for reading in readings {
                        w.object { w in
                            w.field("elapsed_s", reading.elapsed)
                            w.field("time", first == last ? TimeFormat.iso8601(reading.time, offsetSeconds: first)
                                                          : zone.iso8601(reading.time))
                            w.field("heart_rate", reading.heartRate)
                            w.field("rpm", reading.rpm)
                            w.field("power_w", reading.power)
                            w.field("resistance", reading.resistance)
                        }
                    }
                }
            }
        }
    }

    func rider(_ record: RiderRecord, today: CivilDate, into w: inout JSONWriter) {
        let r = record.rider
        w.object { w in
            w.field("id", r.id)
            w.field("name", r.name)
            w.field("title", r.title)
            w.field("first_name", r.firstName)
            w.field("last_name", r.lastName)
            w.field("gender", r.gender)
            w.field("date_of_birth", r.dateOfBirth?.description)
            w.field("age", r.dateOfBirth?.age(on: today))
            w.field("email", r.email)
            w.key("address")
            w.object { w in
                w.key("lines")
                w.array { w in for line in r.address.lines { w.string(line) } }
                w.field("city", r.address.city)
                w.field("postcode", r.address.postcode)
                w.field("postcode_valid", r.address.postcodeValid)
            }
            w.field("height_cm", r.heightCm)
            w.field("weight_kg", r.weightKg)
            w.field("account_created", r.accountCreated?.description)
            w.field("original_source", r.originalSource)
            w.field("ride_count", record.rideCount)
            w.field("avg_heart_rate", record.avgHeartRate)
        }
    }

    // MARK: CSV

    static let rideCSVHeader = ["id", "rider_id", "bike_serial", "start_time", "end_time", "in_progress", "duration_s",
                                "reading_count", "avg_heart_rate", "min_heart_rate", "max_heart_rate", "avg_power_w",
                                "max_power_w", "total_energy_kj", "avg_rpm", "avg_resistance", "alert_sent"]

    func rideCSV(_ r: RideRecord) -> [String] {
        let m = r.metrics
        return [String(r.id), String(r.riderID), r.bikeSerial, zone.iso8601(r.startTime),
                r.endTime.map { zone.iso8601($0) } ?? "", String(r.inProgress), String(m.durationSeconds),
                String(m.readingCount), CSV.number(m.avgHeartRate), m.minHeartRate.map(String.init) ?? "",
                m.maxHeartRate.map(String.init) ?? "", CSV.number(m.avgPower), CSV.number(m.maxPower),
                CSV.number(m.totalEnergyKJ), CSV.number(m.avgRPM), CSV.number(m.avgResistance), String(r.alertRaised)]
    }

    static let riderCSVHeader = ["id", "name", "title", "first_name", "last_name", "gender", "date_of_birth", "age", "email",
                                 "address_lines", "city", "postcode", "postcode_valid", "height_cm", "weight_kg",
                                 "account_created", "original_source", "ride_count", "avg_heart_rate"]

    func riderCSV(_ record: RiderRecord, today: CivilDate) -> [String] {
        let r = record.rider
        return [String(r.id), r.name, r.title ?? "", r.firstName, r.lastName, r.gender, r.dateOfBirth?.description ?? "",
                r.dateOfBirth.map { String($0.age(on: today)) } ?? "", r.email, r.address.lines.joined(separator: "; "),
                r.address.city, r.address.postcode, String(r.address.postcodeValid), r.heightCm.map(String.init) ?? "",
                r.weightKg.map(String.init) ?? "", r.accountCreated?.description ?? "", r.originalSource,
                String(record.rideCount), CSV.number(record.avgHeartRate)]
    }
}

/// RFC 4180 CSV, for `Accept: text/csv` on list routes: written as `deloton export` writes it
/// (DelotonStore's `CSVLine`), formula cells neutralised.
enum CSV {
    static func document(header: [String], rows: [[String]]) -> String {
        var out = CSVLine.encode(header)
        for row in rows { out += CSVLine.encode(row) }
        return out
    }

    static func number(_ v: Double?) -> String { v.map(JSONWriter.number) ?? "" }
}
