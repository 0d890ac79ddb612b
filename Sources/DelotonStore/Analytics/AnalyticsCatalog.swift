/// What a column of an analytics view holds, so that export writes the same text from either
/// warehouse (PostgreSQL returns a `timestamptz` as microseconds, SQLite's view holds ISO text).
public enum AnalyticsColumnKind: String, Sendable {
    case integer, real, text, boolean
    /// An instant: `timestamptz` on PostgreSQL, `YYYY-MM-DDTHH:MM:SS.sssZ` text (UTC) on SQLite.
    case instant
    /// A wall-clock time in Europe/London: `timestamp` on PostgreSQL, `YYYY-MM-DDTHH:MM:SS.sss` text on SQLite.
    case localTime
    /// A calendar day: `date` on PostgreSQL, `YYYY-MM-DD` text on SQLite.
    case date
}

public struct AnalyticsColumn: Sendable {
    public let name: String
    public let kind: AnalyticsColumnKind
    /// What it means, with its unit: shown as a PostgreSQL column comment (BI tools display it).
    public let meaning: String

    init(_ name: String, _ kind: AnalyticsColumnKind, _ meaning: String) {
        self.name = name; self.kind = kind; self.meaning = meaning
    }
}

/// One analytics view: `analytics.NAME` on PostgreSQL, `analytics_NAME` on SQLite (no schemas).
public struct AnalyticsView: Sendable {
    /// `rides`, `riders`, `daily` or `readings`.
    public let name: String
    public let meaning: String
    /// A unique, stable order: what export pages by.
    public let key: [String]
    /// What an export's time window filters on; nil when the view has no time to filter by.
    public let timeColumn: String?
    public let columns: [AnalyticsColumn]

    public func qualifiedName(forWarehouseKind kind: WarehouseKind) -> String {
        switch kind {
        case .postgresql: "analytics.\(name)"
        case .sqlite: "analytics_\(name)"
        }
    }

    public func column(_ name: String) -> AnalyticsColumn? { columns.first { $0.name == name } }
}

/// The views that `deloton migrate` creates in both warehouses, for analysts and BI tools.
///
/// They show no personal data: a rider is an id, a gender and an age band, never a name, an email,
/// an address or a date of birth. Days, local times and ages are read in Europe/London.
public enum AnalyticsCatalog {
    public static let all: [AnalyticsView] = [rides, riders, daily, readings]

    /// Accepts `rides`, `analytics.rides` and `analytics_rides`.
    public static func view(named name: String) -> AnalyticsView? {
        var bare = name.lowercased()
        for prefix in ["analytics.", "analytics_"] where bare.hasPrefix(prefix) { bare.removeFirst(prefix.count) }
        return all.first { $0.name == bare }
    }

    static let ageBand = "Age band at the ride's start, whole years: <25, 25-34, 35-44, 45-54, 55-64 or 65+ (the daily report's age groups)"

    public static let rides = AnalyticsView(
        name: "rides",
        meaning: "One row per ride, with its rider's gender and age band and every ride metric, as GET /ride/{id} shows them.",
        key: ["ride_id"], timeColumn: "start_time",
        columns: [
            .init("ride_id", .integer, "Ride id, as in GET /ride/{id}"),
            .init("rider_id", .integer, "Rider id (user_id of the stream), as in GET /rider/{id}"),
            .init("bike_serial", .text, "Serial number of the bike"),
            .init("start_time", .instant, "Time of the ride's first reading (of its [SYSTEM] line when it has none)"),
            .init("end_time", .instant, "Time of the ride's last reading; null while it has none"),
            .init("start_time_local", .localTime, "start_time as a wall-clock time in Europe/London"),
            .init("start_date_local", .date, "The day the ride belongs to, in Europe/London (as the daily report and GET /daily count it)"),
            .init("start_hour_local", .integer, "Hour of start_time_local, 0-23"),
            .init("in_progress", .boolean, "True while the ride is still being recorded"),
            .init("gender", .text, "The rider's gender as the ride's [SYSTEM] line gave it, lower-cased (male, female, anything else as given)"),
            .init("age_band", .text, ageBand),
            .init("duration_s", .integer, "Duration in seconds: one reading per second"),
            .init("reading_count", .integer, "Number of readings"),
            .init("avg_heart_rate_bpm", .real, "Mean heart rate in beats per minute over readings with a heart rate (hr > 0); null when none"),
            .init("min_heart_rate_bpm", .integer, "Lowest heart rate (hr > 0), beats per minute; null when none"),
            .init("max_heart_rate_bpm", .integer, "Highest heart rate, beats per minute; null when none"),
            .init("avg_power_w", .real, "Mean power in watts over all readings; null when none"),
            .init("max_power_w", .real, "Highest power in watts; null when no readings"),
            .init("total_energy_kj", .real, "Energy in kilojoules: the sum of power x 1 s over the readings, / 1000"),
            .init("avg_rpm", .real, "Mean pedal cadence in revolutions per minute; null when no readings"),
            .init("avg_resistance", .real, "Mean resistance level of the bike (no unit); null when no readings"),
            .init("alert_raised", .boolean, "True once an abnormal heart rate alert has been raised for the ride, whatever its delivery (the API's alert_sent)"),
        ])

    public static let riders = AnalyticsView(
        name: "riders",
        meaning: "One row per rider with lifetime figures over all their rides.",
        key: ["rider_id"], timeColumn: nil,
        columns: [
            .init("rider_id", .integer, "Rider id, as in GET /rider/{id}"),
            .init("gender", .text, "Gender of the rider's latest profile, lower-cased"),
            .init("age_band", .text, "Age band today (Europe/London): <25, 25-34, 35-44, 45-54, 55-64 or 65+"),
            .init("ride_count", .integer, "Number of rides"),
            .init("first_ride_start_time", .instant, "start_time of the rider's first ride; null when none"),
            .init("last_ride_start_time", .instant, "start_time of the rider's latest ride; null when none"),
            .init("total_duration_s", .integer, "Seconds ridden, over all rides"),
            .init("avg_heart_rate_bpm", .real, "Mean heart rate in beats per minute over all readings with hr > 0, across rides (GET /rider/{id}'s avg_heart_rate); null when none"),
            .init("max_heart_rate_bpm", .integer, "Highest heart rate of any ride, beats per minute; null when none"),
            .init("avg_power_w", .real, "Mean power in watts over all readings; null when none"),
            .init("max_power_w", .real, "Highest power of any reading, watts; null when none"),
            .init("total_energy_kj", .real, "Energy over all rides, kilojoules"),
            .init("alert_count", .integer, "Number of rides with an abnormal heart rate alert"),
        ])

    public static let daily = AnalyticsView(
        name: "daily",
        meaning: "One row per local day (Europe/London) from the first ride's day to the last's, days without rides included, with the daily report's figures over the rides that started that day.",
        key: ["date_local"], timeColumn: "date_local",
        columns: [
            .init("date_local", .date, "The day, in Europe/London"),
            .init("ride_count", .integer, "Rides that started that day"),
            .init("rider_count", .integer, "Distinct riders of those rides"),
            .init("riders_female", .integer, "Riders whose gender at their first ride of the day is female"),
            .init("riders_male", .integer, "Riders whose gender at their first ride of the day is male"),
            .init("riders_other_gender", .integer, "Riders with any other gender at their first ride of the day"),
            .init("riders_under_25", .integer, "Riders aged under 25 at their first ride of the day"),
            .init("riders_25_34", .integer, "Riders aged 25 to 34 at their first ride of the day"),
            .init("riders_35_44", .integer, "Riders aged 35 to 44 at their first ride of the day"),
            .init("riders_45_54", .integer, "Riders aged 45 to 54 at their first ride of the day"),
            .init("riders_55_64", .integer, "Riders aged 55 to 64 at their first ride of the day"),
            .init("riders_65_plus", .integer, "Riders aged 65 or more at their first ride of the day"),
            .init("avg_heart_rate_bpm", .real, "Mean heart rate in beats per minute over the day's readings with hr > 0; null when none"),
            .init("avg_power_w", .real, "Mean power in watts over the day's readings; null when none"),
            .init("total_energy_kj", .real, "Energy of the day's rides, kilojoules"),
            .init("longest_ride_s", .integer, "Duration of the day's longest ride, seconds; null without rides"),
            .init("max_power_w", .real, "Highest power of any reading of the day, watts; null when none"),
            .init("alert_count", .integer, "Alerts raised on rides that started that day"),
        ])

    public static let readings = AnalyticsView(
        name: "readings",
        meaning: "One row per reading (one per second of riding), with its ride's rider, bike, gender, age band and day.",
        key: ["ride_id", "elapsed_s"], timeColumn: "reading_time",
        columns: [
            .init("ride_id", .integer, "The reading's ride (rides.ride_id)"),
            .init("elapsed_s", .integer, "Seconds since the ride began (the stream's duration): the reading's identity within its ride"),
            .init("reading_time", .instant, "Time of the reading"),
            .init("heart_rate_bpm", .integer, "Heart rate, beats per minute; 0 means the bike had no contact with the rider"),
            .init("rpm", .integer, "Pedal cadence, revolutions per minute"),
            .init("power_w", .real, "Power, watts"),
            .init("resistance", .integer, "Resistance level of the bike (no unit)"),
            .init("rider_id", .integer, "The ride's rider"),
            .init("bike_serial", .text, "The ride's bike"),
            .init("gender", .text, "The rider's gender at the ride, lower-cased"),
            .init("age_band", .text, ageBand),
            .init("ride_start_date_local", .date, "The day the ride belongs to, in Europe/London"),
        ])
}
