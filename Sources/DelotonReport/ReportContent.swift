import DelotonCore
import DelotonStore

/// A table of the report as text, laid out alike in HTML and PDF.
struct ReportTable: Sendable {
    var columns: [String]
    /// Right-aligned columns (figures).
    var numeric: [Bool]
    var rows: [[String]]
}

/// What the report says, phrased once for both the HTML and the PDF.
struct ReportContent: Sendable {
    var title: String
    var subtitle: String
    var summary: String
    /// Set when no ride started on the day.
    var emptyNotice: String?
    var keyFigures: [KeyFigureRow]
    var riders: ReportTable
    var trend: ReportTable
    var highlights: ReportTable?
    var topRiders: ReportTable?
    var alerts: ReportTable?
    var footer: String

    init(_ report: DailyReport) {
        let zone = report.zone
        let f = report.figures, d1 = report.previousDay, d7 = report.previous7Days
        title = "Daily report · \(ReportFormat.longDate(report.date))"
        subtitle = "Rides that started on \(report.date), \(report.zoneIdentifier) time"
        footer = "deloton daily report · \(report.date) · generated \(zone.iso8601(report.generatedAt).prefix(16).replacingOccurrences(of: "T", with: " "))"

        if report.isEmpty {
            emptyNotice = "No rides started on \(ReportFormat.longDate(report.date)). The figures are zero and the "
                + "charts are empty; the comparisons still show the days before."
            summary = "No rides on \(ReportFormat.longDate(report.date))."
        } else {
            emptyNotice = nil
            let rides = Int(f.rideCount), riders = Int(f.riderCount), alerts = Int(f.alertCount)
            summary = "\(ReportFormat.count(rides)) ride\(rides == 1 ? "" : "s") by \(ReportFormat.count(riders)) "
                + "rider\(riders == 1 ? "" : "s"), \(ReportFormat.number(f.totalEnergyKJ, decimals: 1, unit: "kJ")) in total, "
                + "\(alerts == 0 ? "no" : ReportFormat.count(alerts)) heart-rate alert\(alerts == 1 ? "" : "s")."
        }

        func change(_ current: Double?, _ reference: Double?, decimals: Int) -> KeyFigureRow.Change? {
            .between(current, and: reference, decimals: decimals)
        }
        keyFigures = [
            KeyFigureRow(label: "Rides", current: f.rideCount, previousDay: d1.rideCount, sevenDayMean: d7.rideCount),
            KeyFigureRow(label: "Riders", current: f.riderCount, previousDay: d1.riderCount, sevenDayMean: d7.riderCount),
            KeyFigureRow(label: "Average heart rate", current: f.avgHeartRate, previousDay: d1.avgHeartRate,
                         sevenDayMean: d7.avgHeartRate, decimals: 1, unit: "bpm", higherIsBetter: nil),
            KeyFigureRow(label: "Average power", current: f.avgPowerW, previousDay: d1.avgPowerW,
                         sevenDayMean: d7.avgPowerW, decimals: 1, unit: "W"),
            KeyFigureRow(label: "Total energy", current: f.totalEnergyKJ, previousDay: d1.totalEnergyKJ,
                         sevenDayMean: d7.totalEnergyKJ, decimals: 1, unit: "kJ"),
            KeyFigureRow(label: "Longest ride", value: ReportFormat.duration(seconds: f.longestRideS),
                         vsPreviousDay: change(f.longestRideS, d1.longestRideS, decimals: 0),
                         vsSevenDayMean: change(f.longestRideS, d7.longestRideS, decimals: 0)),
            KeyFigureRow(label: "Highest power", current: f.maxPowerW, previousDay: d1.maxPowerW,
                         sevenDayMean: d7.maxPowerW, decimals: 1, unit: "W"),
            KeyFigureRow(label: "Heart-rate alerts", current: f.alertCount, previousDay: d1.alertCount,
                         sevenDayMean: d7.alertCount, higherIsBetter: false),
        ]

        var riderRows: [[String]] = []
        let genders = Set(f.ridersByGender.keys).union(d1.ridersByGender.keys).union(d7.ridersByGender.keys)
            .sorted { (f.ridersByGender[$0] ?? 0, $1) > (f.ridersByGender[$1] ?? 0, $0) }
        for g in genders {
            riderRows.append(["Gender: " + ReportCharts.capitalised(g), Self.count(f.ridersByGender[g]),
                              Self.count(d1.ridersByGender[g]), Self.mean(d7.ridersByGender[g])])
        }
        for a in AgeGroup.labels {
            riderRows.append(["Age " + a, Self.count(f.ridersByAgeGroup[a]), Self.count(d1.ridersByAgeGroup[a]),
                              Self.mean(d7.ridersByAgeGroup[a])])
        }
        riderRows.append(["All riders", Self.count(f.riderCount), Self.count(d1.riderCount), Self.mean(d7.riderCount)])
        riders = ReportTable(columns: ["Riders", "This day", "Day before", "7-day mean"],
                             numeric: [false, true, true, true], rows: riderRows)

        trend = ReportTable(
            columns: ["Day", "Rides", "Riders", "Avg heart rate", "Avg power", "Energy", "Alerts"],
            numeric: [false, true, true, true, true, true, true],
            rows: report.trend.reversed().map { day in
                let g = day.figures
                return [ReportFormat.shortDate(day.date) + " \(day.date.year)", Self.count(g.rideCount), Self.count(g.riderCount),
                        ReportFormat.number(g.avgHeartRate, decimals: 1, unit: "bpm"),
                        ReportFormat.number(g.avgPowerW, decimals: 1, unit: "W"),
                        ReportFormat.number(g.totalEnergyKJ, decimals: 1, unit: "kJ"), Self.count(g.alertCount)]
            })

        var highlightRows: [[String]] = []
        func describe(_ what: String, _ ride: RideHighlight?) {
            guard let ride else { return }
            highlightRows.append([what, ride.riderName, ride.bikeSerial, ReportFormat.clock(ride.startTime, zone: zone),
                                  ReportFormat.duration(seconds: Double(ride.durationS)),
                                  ReportFormat.number(ride.maxPowerW, decimals: 1, unit: "W"),
                                  ReportFormat.number(ride.totalEnergyKJ, decimals: 1, unit: "kJ")])
        }
        describe("Longest ride", report.longestRide)
        describe("Highest power", report.mostPowerfulRide)
        highlights = highlightRows.isEmpty ? nil : ReportTable(
            columns: ["", "Rider", "Bike", "Started", "Duration", "Peak power", "Energy"],
            numeric: [false, false, false, true, true, true, true], rows: highlightRows)

        topRiders = report.topRiders.isEmpty ? nil : ReportTable(
            columns: ["#", "Rider", "Rides", "Energy"], numeric: [true, false, true, true],
            rows: report.topRiders.map { entry in
                ["\(entry.rank)", entry.name, "\(entry.rideCount)", ReportFormat.number(entry.value, decimals: 1, unit: "kJ")]
            })

        alerts = report.alerts.isEmpty ? nil : ReportTable(
            columns: ["Raised", "Rider", "Ride", "Age, gender", "Safe range", "Readings", "Email status"],
            numeric: [true, false, true, false, true, false, false],
            rows: report.alerts.map { alert in
                [ReportFormat.clock(alert.raisedAt, zone: zone), alert.riderName, "#\(alert.rideID)",
                 "\(alert.age.map(String.init) ?? "age unknown"), \(alert.gender)",
                 "\(ReportNumber.format(alert.safeMin, decimals: 0))–\(ReportNumber.format(alert.safeMax, decimals: 0)) bpm",
                 alert.heartRates.map(String.init).joined(separator: ", ") + " bpm", alert.status]
            })
    }

    static func count(_ value: Double?) -> String { ReportNumber.format(value ?? 0) }
    static func mean(_ value: Double?) -> String { ReportNumber.format(value ?? 0, decimals: 1) }
}

extension ReportContent {
    static let comparisonNote = "Changes compare the day with the day before and with the mean of the 7 days before."
}
