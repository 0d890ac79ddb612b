import DelotonCore
import DelotonStore
import Foundation

/// `report.json`: the figures the HTML and PDF show (interface.md, Daily report), unrounded as
/// the API gives them, `null` where a figure has no data.
///
/// Written once a day, so through `Codable` rather than the hand writer of the hot paths. Keys
/// are sorted, since `JSONEncoder` keeps no other order: the same report is always the same file.
public enum ReportJSON {
    public static func data(_ report: DailyReport) throws(ReportError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(Document(report: report))) + [UInt8(ascii: "\n")]
        } catch {
            throw .rendering("JSON: \(error)")
        }
    }
}

/// A member written as `null` when nil: the synthesised `encode(to:)` would leave the key out,
/// and the file spells a figure without data as `null`.
@propertyWrapper
private struct OrNull<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(wrappedValue)
    }
}

/// JSON has no spelling for infinity or NaN: such a figure has no usable data.
private func finite(_ value: Double?) -> Double? {
    value.flatMap { $0.isFinite ? $0 : nil }
}

/// The day's figures and everything else, in one object.
private struct Document: Encodable {
    var report: DailyReport

    enum CodingKeys: String, CodingKey {
        case timezone, previousDay = "previous_day", previous7Days = "previous_7_days", ridesPerHour = "rides_per_hour"
        case heartRateDistribution = "heart_rate_distribution", powerDistribution = "power_distribution"
        case longestRide = "longest_ride", highestPowerRide = "highest_power_ride"
        case topRidersByEnergy = "top_riders_by_energy", alerts, trend, generatedAt = "generated_at"
    }

    func encode(to encoder: any Encoder) throws {
        let r = report, zone = report.zone
        // The day's own figures are members of the document itself.
        try Figures(r.figures, date: r.date).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(r.zoneIdentifier, forKey: .timezone)
        try c.encode(Figures(r.previousDay), forKey: .previousDay)
        try c.encode(Figures(r.previous7Days), forKey: .previous7Days)
        try c.encode(zip(r.hourLabels, r.ridesPerHour).map { HourRides(hour: $0, rides: $1) }, forKey: .ridesPerHour)
        try c.encode(Bin.list(r.heartRateBins, width: r.heartRateBinWidth), forKey: .heartRateDistribution)
        try c.encode(Bin.list(r.powerBins, width: r.powerBinWidth), forKey: .powerDistribution)
        try c.encode(OrNull(wrappedValue: r.longestRide.map { Highlight($0, zone: zone) }), forKey: .longestRide)
        try c.encode(OrNull(wrappedValue: r.mostPowerfulRide.map { Highlight($0, zone: zone) }), forKey: .highestPowerRide)
        try c.encode(r.topRiders.map {
            TopRider(rank: $0.rank, riderID: $0.riderID, name: $0.name, rideCount: $0.rideCount, totalEnergyKJ: finite($0.value))
        }, forKey: .topRidersByEnergy)
        try c.encode(r.alerts.map { Alert($0, zone: zone) }, forKey: .alerts)
        try c.encode(r.trend.map { Figures($0.figures, date: $0.date) }, forKey: .trend)
        try c.encode(zone.iso8601(r.generatedAt), forKey: .generatedAt)
    }
}

private struct Figures: Encodable {
    /// The day, for the report's own figures and each day of the trend; the comparisons have none.
    var date: String?
    @OrNull var rideCount: Double?
    @OrNull var riderCount: Double?
    var ridersByGender: [String: Double?]
    var ridersByAgeGroup: [String: Double?]
    @OrNull var avgHeartRate: Double?
    @OrNull var avgPowerW: Double?
    @OrNull var totalEnergyKJ: Double?
    @OrNull var longestRideS: Double?
    @OrNull var maxPowerW: Double?
    @OrNull var alertCount: Double?

    enum CodingKeys: String, CodingKey {
        case date, rideCount = "ride_count", riderCount = "rider_count", ridersByGender = "riders_by_gender"
        case ridersByAgeGroup = "riders_by_age_group", avgHeartRate = "avg_heart_rate", avgPowerW = "avg_power_w"
        case totalEnergyKJ = "total_energy_kj", longestRideS = "longest_ride_s", maxPowerW = "max_power_w"
        case alertCount = "alert_count"
    }

    init(_ f: DailyFigures, date: CivilDate? = nil) {
        self.date = date?.description
        rideCount = finite(f.rideCount)
        riderCount = finite(f.riderCount)
        ridersByGender = f.ridersByGender.mapValues(finite)
        // Every group, with 0 for those without riders.
        ridersByAgeGroup = Dictionary(uniqueKeysWithValues: AgeGroup.labels.map { ($0, finite(f.ridersByAgeGroup[$0] ?? 0)) })
        avgHeartRate = finite(f.avgHeartRate)
        avgPowerW = finite(f.avgPowerW)
        totalEnergyKJ = finite(f.totalEnergyKJ)
        longestRideS = finite(f.longestRideS)
        maxPowerW = finite(f.maxPowerW)
        alertCount = finite(f.alertCount)
    }
}

private struct HourRides: Encodable {
    var hour: String
    var rides: Int
}

private struct Bin: Encodable {
    var from: Int
    var to: Int
    var readings: Int

    static func list(_ bins: [ValueBin], width: Int) -> [Bin] {
        bins.map { Bin(from: $0.lowerBound, to: $0.lowerBound + width, readings: $0.count) }
    }
}

private struct Highlight: Encodable {
    var rideID: Int64
    var riderID: Int64
    var riderName: String
    var bikeSerial: String
    var startTime: String
    var durationS: Int
    @OrNull var maxPowerW: Double?
    @OrNull var totalEnergyKJ: Double?

    enum CodingKeys: String, CodingKey {
        case rideID = "ride_id", riderID = "rider_id", riderName = "rider_name", bikeSerial = "bike_serial"
        case startTime = "start_time", durationS = "duration_s", maxPowerW = "max_power_w", totalEnergyKJ = "total_energy_kj"
    }

    init(_ ride: RideHighlight, zone: Zone) {
        rideID = ride.rideID
        riderID = ride.riderID
        riderName = ride.riderName
        bikeSerial = ride.bikeSerial
        startTime = zone.iso8601(ride.startTime)
        durationS = ride.durationS
        maxPowerW = finite(ride.maxPowerW)
        totalEnergyKJ = finite(ride.totalEnergyKJ)
    }
}

private struct TopRider: Encodable {
    var rank: Int
    var riderID: Int64
    var name: String
    var rideCount: Int
    @OrNull var totalEnergyKJ: Double?

    enum CodingKeys: String, CodingKey {
        case rank, riderID = "rider_id", name, rideCount = "ride_count", totalEnergyKJ = "total_energy_kj"
    }
}

private struct Alert: Encodable {
    var alertID: Int64
    var rideID: Int64
    var riderID: Int64
    var riderName: String
    var gender: String
    @OrNull var age: Int?
    @OrNull var safeMin: Double?
    @OrNull var safeMax: Double?
    var raisedAt: String
    var status: String
    var heartRates: [Int]

    enum CodingKeys: String, CodingKey {
        case alertID = "alert_id", rideID = "ride_id", riderID = "rider_id", riderName = "rider_name", gender, age
        case safeMin = "safe_min", safeMax = "safe_max", raisedAt = "raised_at", status, heartRates = "heart_rates"
    }

    init(_ alert: DayAlert, zone: Zone) {
        alertID = alert.alertID
        rideID = alert.rideID
        riderID = alert.riderID
        riderName = alert.riderName
        gender = alert.gender
        age = alert.age
        safeMin = finite(alert.safeMin)
        safeMax = finite(alert.safeMax)
        raisedAt = zone.iso8601(alert.raisedAt)
        status = alert.status
        heartRates = alert.heartRates
    }
}
