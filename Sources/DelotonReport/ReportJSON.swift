import DelotonCore
import DelotonStore

/// `report.json`: the figures the HTML and PDF show (interface.md, Daily report), unrounded as
/// the API gives them, `null` where a figure has no data, keys in a stable order.
public enum ReportJSON {
    public static func data(_ report: DailyReport) -> [UInt8] {
        let zone = report.zone
        var root = figures(report.figures)
        root.insert(("date", .string(report.date.description)), at: 0)
        root.insert(("timezone", .string(report.zoneIdentifier)), at: 1)
        root.append(("previous_day", .object(figures(report.previousDay))))
        root.append(("previous_7_days", .object(figures(report.previous7Days))))
        root.append(("rides_per_hour", .array(zip(report.hourLabels, report.ridesPerHour).map { hour, rides in
            .object([("hour", .string(hour)), ("rides", .number(Double(rides)))])
        })))
        root.append(("heart_rate_distribution", bins(report.heartRateBins, width: report.heartRateBinWidth)))
        root.append(("power_distribution", bins(report.powerBins, width: report.powerBinWidth)))
        root.append(("longest_ride", highlight(report.longestRide, zone: zone)))
        root.append(("highest_power_ride", highlight(report.mostPowerfulRide, zone: zone)))
        root.append(("top_riders_by_energy", .array(report.topRiders.map { entry in
            .object([("rank", .number(Double(entry.rank))), ("rider_id", .number(Double(entry.riderID))),
                     ("name", .string(entry.name)), ("ride_count", .number(Double(entry.rideCount))),
                     ("total_energy_kj", .number(entry.value))])
        })))
        root.append(("alerts", .array(report.alerts.map { alert in
            .object([("alert_id", .number(Double(alert.alertID))), ("ride_id", .number(Double(alert.rideID))),
                     ("rider_id", .number(Double(alert.riderID))), ("rider_name", .string(alert.riderName)),
                     ("gender", .string(alert.gender)), ("age", alert.age.map { .number(Double($0)) } ?? .null),
                     ("safe_min", .number(alert.safeMin)), ("safe_max", .number(alert.safeMax)),
                     ("raised_at", .string(zone.iso8601(alert.raisedAt))), ("status", .string(alert.status)),
                     ("heart_rates", .array(alert.heartRates.map { .number(Double($0)) }))])
        })))
        root.append(("trend", .array(report.trend.map { day in
            var object = figures(day.figures)
            object.insert(("date", .string(day.date.description)), at: 0)
            return .object(object)
        })))
        root.append(("generated_at", .string(zone.iso8601(report.generatedAt))))
        var out = ""
        JSONValue.object(root).write(into: &out, indent: 0)
        out += "\n"
        return Array(out.utf8)
    }

    static func figures(_ f: DailyFigures) -> [(String, JSONValue)] {
        [("ride_count", .number(f.rideCount)), ("rider_count", .number(f.riderCount)),
         ("riders_by_gender", .object(f.ridersByGender.sorted { $0.key < $1.key }.map { ($0.key.lowercased(), .number($0.value)) })),
         ("riders_by_age_group", .object(AgeGroup.labels.map { ($0, .number(f.ridersByAgeGroup[$0] ?? 0)) })),
         ("avg_heart_rate", .optional(f.avgHeartRate)), ("avg_power_w", .optional(f.avgPowerW)),
         ("total_energy_kj", .number(f.totalEnergyKJ)), ("longest_ride_s", .optional(f.longestRideS)),
         ("max_power_w", .optional(f.maxPowerW)), ("alert_count", .number(f.alertCount))]
    }

    static func bins(_ bins: [ValueBin], width: Int) -> JSONValue {
        .array(bins.map { .object([("from", .number(Double($0.lowerBound))), ("to", .number(Double($0.lowerBound + width))),
                                   ("readings", .number(Double($0.count)))]) })
    }

    static func highlight(_ ride: RideHighlight?, zone: Zone) -> JSONValue {
        guard let ride else { return .null }
        return .object([("ride_id", .number(Double(ride.rideID))), ("rider_id", .number(Double(ride.riderID))),
                        ("rider_name", .string(ride.riderName)), ("bike_serial", .string(ride.bikeSerial)),
                        ("start_time", .string(zone.iso8601(ride.startTime))), ("duration_s", .number(Double(ride.durationS))),
                        ("max_power_w", .optional(ride.maxPowerW)), ("total_energy_kj", .number(ride.totalEnergyKJ))])
    }
}

/// Just enough JSON for the report: ordered objects, integral numbers without a fraction.
enum JSONValue {
    case null
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }

    func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1), closing = String(repeating: "  ", count: indent)
        switch self {
        case .null:
            out += "null"
        case .number(let v):
            if !v.isFinite {
                out += "null"
            } else if v == v.rounded(), abs(v) < 9_007_199_254_740_992 {
                out += String(Int64(v))
            } else {
                out += "\(v)"
            }
        case .string(let s):
            JSONQuoting.append(s, to: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                item.write(into: &out, indent: indent + 1)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += closing + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in members.enumerated() {
                out += pad
                JSONQuoting.append(key, to: &out)
                out += ": "
                value.write(into: &out, indent: indent + 1)
                out += i == members.count - 1 ? "\n" : ",\n"
            }
            out += closing + "}"
        }
    }
}
