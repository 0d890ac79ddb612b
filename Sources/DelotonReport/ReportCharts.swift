import DelotonCore
import DelotonStore

/// One chart of the report, with the file (or `cid:`) name it travels under.
public struct NamedChart: Sendable {
    /// File name beside `report.html`, e.g. `rides-per-hour.png`; also the base of its Content-ID.
    public var fileName: String
    public var chart: any ReportChart
    /// Layout size in CSS pixels (the PNG has twice as many, for sharp high-density screens).
    public var width: Int
    public var height: Int
    /// Text for readers that do not load images.
    public var altText: String

    public static let pixelScale = 2.0

    public func pngData() throws(RenderingError) -> [UInt8] {
        try chart.pngData(width: width, height: height, scale: Self.pixelScale)
    }

    var contentID: String { fileName.replacingOccurrences(of: ".png", with: "") + "@deloton.report" }
}

/// The report's charts, specified from its figures.
public struct ReportCharts: Sendable {
    public var ridesPerHour: NamedChart
    public var ridersByGender: NamedChart
    public var ridersByAgeGroup: NamedChart
    public var heartRate: NamedChart
    public var power: NamedChart
    public var trend: NamedChart

    // Mail readers show one column well; charts keep their full width so their text stays legible.
    static let fullWidth = 640

    public var all: [NamedChart] { [ridersByGender, ridersByAgeGroup, ridesPerHour, heartRate, power, trend] }

    public init(_ report: DailyReport) {
        let f = report.figures
        ridesPerHour = NamedChart(
            fileName: "rides-per-hour.png",
            chart: BarChart(title: "Rides per hour", categories: report.hourLabels, values: report.ridesPerHour.map(Double.init),
                            valueLabel: "Rides", categoryLabel: "Hour the ride started (\(report.zoneIdentifier))"),
            width: Self.fullWidth, height: 280,
            altText: "Rides per hour: " + zip(report.hourLabels, report.ridesPerHour).filter { $0.1 > 0 }
                .map { "\($0.0)h \($0.1)" }.joined(separator: ", "))

        let genders = f.ridersByGender.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        ridersByGender = NamedChart(
            fileName: "riders-by-gender.png",
            chart: DonutChart(title: "Riders by gender", categories: genders.map { Self.capitalised($0.key) },
                              values: genders.map(\.value), totalLabel: "riders"),
            width: Self.fullWidth, height: 240,
            altText: "Riders by gender: " + genders.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", "))

        let ages = AgeGroup.labels.map { f.ridersByAgeGroup[$0] ?? 0 }
        ridersByAgeGroup = NamedChart(
            fileName: "riders-by-age.png",
            chart: BarChart(title: "Riders by age group", categories: AgeGroup.labels, values: ages,
                            valueLabel: "Riders", categoryLabel: "Age at the ride (years)"),
            width: Self.fullWidth, height: 240,
            altText: "Riders by age group: " + zip(AgeGroup.labels, ages).map { "\($0.0) \(Int($0.1))" }.joined(separator: ", "))

        heartRate = NamedChart(
            fileName: "heart-rate.png",
            chart: Self.histogram(title: "Heart-rate distribution", bins: report.heartRateBins, width: report.heartRateBinWidth,
                                  unit: "bpm", valueLabel: "Heart rate", countLabel: "Readings (s)"),
            width: Self.fullWidth, height: 260,
            altText: "Heart-rate distribution of the day's readings, in \(report.heartRateBinWidth) bpm bins")

        power = NamedChart(
            fileName: "power.png",
            chart: Self.histogram(title: "Power distribution", bins: report.powerBins, width: report.powerBinWidth,
                                  unit: "W", valueLabel: "Power", countLabel: "Readings (s)"),
            width: Self.fullWidth, height: 260,
            altText: "Power distribution of the day's readings, in \(report.powerBinWidth) W bins")

        trend = NamedChart(
            fileName: "trend.png",
            chart: LineChart(title: "8-day trend", xLabels: report.trend.map { ReportFormat.shortDate($0.date) },
                             series: [LineSeries(name: "Rides", values: report.trend.map { $0.figures.rideCount }),
                                      LineSeries(name: "Energy", values: report.trend.map { $0.figures.totalEnergyKJ },
                                                 unit: "kJ", axis: .right)],
                             valueLabel: "Rides"),
            width: Self.fullWidth, height: 280,
            altText: "Rides and energy over the 8 days to \(report.date)")
    }

    /// Contiguous bins from the lowest to the highest non-empty one: the database returns only
    /// the bins that have readings.
    static func histogram(title: String, bins: [ValueBin], width: Int, unit: String, valueLabel: String,
                          countLabel: String) -> HistogramChart {
        guard let low = bins.map(\.lowerBound).min(), let high = bins.map(\.lowerBound).max(), width > 0 else {
            return HistogramChart(title: title, binEdges: [], counts: [], unit: unit, valueLabel: valueLabel, countLabel: countLabel)
        }
        let count = (high - low) / width + 1
        var counts = Array(repeating: 0.0, count: count)
        for bin in bins { counts[(bin.lowerBound - low) / width] += Double(bin.count) }
        let edges = (0...count).map { Double(low + $0 * width) }
        return HistogramChart(title: title, binEdges: edges, counts: counts, unit: unit, valueLabel: valueLabel,
                              countLabel: countLabel)
    }

    static func capitalised(_ s: String) -> String {
        guard let first = s.first else { return "(not given)" }
        return first.uppercased() + s.dropFirst()
    }
}
