import Foundation
import Testing
@testable import DelotonReport

/// One of each chart kind the daily report draws, with realistic figures.
enum SampleReportCharts {
    static let hours = BarChart(title: "Rides per hour of the day", categories: (0..<24).map { String($0) },
                                values: [0, 0, 0, 0, 0, 1, 3, 5, 4, 2, 1, 2, 3, 2, 1, 2, 4, 6, 7, 5, 3, 2, 1, 0],
                                valueLabel: "Rides", categoryLabel: "Hour of day")
    static let gender = DonutChart(title: "Riders by gender", categories: ["female", "male"], values: [19, 18],
                                   totalLabel: "riders")
    static let age = BarChart(title: "Riders by age group", categories: ["<25", "25-34", "35-44", "45-54", "55-64", "65+"],
                              values: [3, 8, 9, 7, 6, 4], valueLabel: "Riders", categoryLabel: "Age group")
    static let heartRate = HistogramChart(title: "Heart-rate distribution",
                                          samples: (0..<2000).map { 117 + 30 * sin(Double($0) * 0.37) },
                                          unit: "bpm", valueLabel: "Heart rate", countLabel: "Readings")
    static let power = HistogramChart(title: "Power distribution", binEdges: [0, 50, 100, 150, 200, 250],
                                      counts: [120, 340, 210, 80, 12], unit: "W", valueLabel: "Power", countLabel: "Readings")
    static let trend = LineChart(title: "Last 7 days", xLabels: ["19 Jul", "20 Jul", "21 Jul", "22 Jul", "23 Jul", "24 Jul", "25 Jul"],
                                 series: [LineSeries(name: "Rides", values: [38, 44, nil, 35, 40, 38, 41]),
                                          LineSeries(name: "Energy", values: [1820, 2010, nil, 1650, 1900, 1750, 1934.2],
                                                     unit: "kJ", axis: .right)])

    static let all: [any ReportChart] = [hours, gender, age, heartRate, power, trend]
}

@Suite("Charts")
struct ChartTests {
    @Test("every chart kind renders a PNG with visible content", arguments: SampleReportCharts.all.indices)
    func rendersNonBlankPNG(index: Int) async throws {
        let chart = SampleReportCharts.all[index]
        let png = try chart.pngData(width: 800, height: 400)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG signature")
        #expect(png.count > 2_000)

        let bitmap = try chart.bitmap(width: 800, height: 400)
        // Title and axis text alone ink about 1%; data marks push well past that.
        #expect(bitmap.inkedPixelCount > 800 * 400 / 50, "\(chart.title) looks blank")
        let distinctColors = Set(bitmap.pixels).count
        #expect(distinctColors > 10, "\(chart.title) uses only \(distinctColors) colours")
    }

    @Test("data marks use the palette's first colour")
    func barsUsePalette() async throws {
        let bitmap = try SampleReportCharts.age.bitmap(width: 800, height: 400)
        let blue = ReportTheme.series[0]
        let rgb = UInt32((blue.red * 255).rounded()) << 16 | UInt32((blue.green * 255).rounded()) << 8
            | UInt32((blue.blue * 255).rounded())
        #expect(bitmap.pixels.filter { $0 & 0x00FF_FFFF == rgb }.count > 10_000)
    }

    @Test("charts without usable data draw the no-data panel instead of axes")
    func emptyChartsShowNoData() async throws {
        let empties: [any ReportChart] = [
            BarChart(title: "Rides per hour of the day", categories: [], values: [], valueLabel: "Rides"),
            BarChart(title: "Riders by age group", categories: ["<25", "25-34"], values: [0, 0], valueLabel: "Riders"),
            BarChart(title: "Bad figures", categories: ["a", "b", "c"], values: [.nan, -.infinity, -3], valueLabel: "Riders"),
            DonutChart(title: "Riders by gender", categories: ["female"], values: [.infinity]),
            HistogramChart(title: "Heart-rate distribution", samples: [], unit: "bpm", valueLabel: "Heart rate"),
            HistogramChart(title: "Power distribution", binEdges: [.nan, 10], counts: [5], unit: "W", valueLabel: "Power"),
            LineChart(title: "Last 7 days", xLabels: ["a", "b"], series: [LineSeries(name: "Rides", values: [nil, .nan])]),
            LineChart(title: "No series", xLabels: [], series: []),
        ]
        var document = PDFDocument()
        document.addCharts(empties, perRow: 2)
        let text = try await popplerText(of: document)
        #expect(text.components(separatedBy: ReportTheme.noDataMessage).count - 1 == empties.count)
        for chart in empties {
            #expect(text.contains(chart.title))
            #expect(try chart.bitmap(width: 400, height: 200).inkedPixelCount > 1_000)
        }
        // Axis tick labels would mean axes were drawn for data that is not there.
        #expect(!text.contains("Hour of day"))
    }

    @Test("tiny and odd sizes draw without crashing; impossible sizes are a typed error")
    func sizes() async throws {
        for chart in SampleReportCharts.all {
            _ = try chart.pngData(width: 1, height: 1)
            _ = try chart.pngData(width: 60, height: 30)
            _ = try chart.pngData(width: 2400, height: 300)
        }
        #expect(throws: RenderingError.invalidSize(width: 0, height: 400)) {
            try SampleReportCharts.age.pngData(width: 0, height: 400)
        }
        let sharp = try SampleReportCharts.age.pngData(width: 800, height: 400, scale: 2)
        #expect(Array(sharp[16..<24]) == [0, 0, 0x06, 0x40, 0, 0, 0x03, 0x20], "IHDR should say 1600×800")
        #expect(RenderingError.invalidSize(width: 0, height: 400).description.contains("between 1 and 32767"))
    }

    @Test("absurd magnitudes draw something rather than trap")
    func extremeValues() async throws {
        let charts: [any ReportChart] = [
            BarChart(title: "Huge", categories: ["a", "b"], values: [1e308, .greatestFiniteMagnitude], valueLabel: "x"),
            LineChart(title: "Wide", xLabels: ["a", "b", "c"], series: [LineSeries(name: "x", values: [-1e308, 1e308, 0])]),
            HistogramChart(title: "Outlier", samples: [0, 1, 2, 1e300], binWidth: 1, unit: "W", valueLabel: "Power"),
            HistogramChart(title: "Tiny", samples: [1e-300, 2e-300], unit: "W", valueLabel: "Power"),
            DonutChart(title: "Huge", categories: ["a", "b"], values: [.greatestFiniteMagnitude, .greatestFiniteMagnitude]),
        ]
        for chart in charts {
            #expect(try chart.bitmap(width: 400, height: 200).inkedPixelCount > 500, "\(chart.title)")
        }
    }

    @Test("PNG files can be written and an unwritable path says which")
    func writesPNG() async throws {
        let directory = try ChartTestDirectory()
        let path = directory.path + "/hours.png"
        try SampleReportCharts.hours.writePNG(to: path)
        #expect((try Data(contentsOf: URL(fileURLWithPath: path))).count > 2_000)
        #expect(throws: RenderingError.self) {
            try SampleReportCharts.hours.writePNG(to: directory.path + "/missing/dir/hours.png")
        }
    }

    @Test("axis ticks fall on 1-2-5 steps and cover the data")
    func niceScale() {
        let scale = NiceScale(minimum: 0, maximum: 1934.2)
        #expect(scale.step == 500)
        #expect(scale.ticks == [0, 500, 1000, 1500, 2000])
        #expect(NiceScale(minimum: 0, maximum: 7.7, integral: true).ticks == [0, 2, 4, 6, 8])
        #expect(NiceScale(minimum: 0, maximum: 3, integral: true).step == 1)
        #expect(NiceScale(minimum: 0, maximum: 0, integral: true).upper > 0)
        #expect(NiceScale(minimum: 0, maximum: 0.37).step == 0.1)
        #expect(NiceScale(minimum: -12, maximum: 40).lower == -20)
        #expect(NiceScale(minimum: 0, maximum: .nan).upper == 1)
        for raw in stride(from: 0.013, through: 9_000, by: 7.7) {
            let step = NiceScale.niceStep(atLeast: raw)
            let mantissa = step / pow(10, log10(step).rounded(.down))
            #expect([1, 2, 5, 10].contains { abs($0 - mantissa) < 1e-9 } && step >= raw * (1 - 1e-9))
        }
        let right = NiceScale(matching: scale, maximum: 44)
        #expect(right.ticks.count == scale.ticks.count)
        #expect(right.upper >= 44)
    }

    @Test("histograms bin samples on round edges and count every finite sample once")
    func histogramBinning() {
        let samples: [Double] = [61, 72, 88, 90, 90, 91, 119.5, 160, .nan, .infinity]
        let chart = HistogramChart(title: "HR", samples: samples, binWidth: 10, unit: "bpm", valueLabel: "Heart rate")
        #expect(chart.binEdges.first == 60)
        #expect(chart.binEdges.last == 170)
        #expect(chart.counts.reduce(0, +) == 8)
        #expect(chart.counts[3] == 3) // 90, 90, 91
        let automatic = HistogramChart(title: "W", samples: (0..<500).map(Double.init), unit: "W", valueLabel: "Power")
        #expect(automatic.counts.count <= 20 && automatic.counts.count >= 10)
        #expect(automatic.counts.reduce(0, +) == 500)
    }

    @Test("number labels group thousands and keep a sign")
    func numberText() {
        #expect(ReportNumber.format(1934.2, decimals: 1) == "1,934.2")
        #expect(ReportNumber.format(-1234567) == "−1,234,567")
        #expect(ReportNumber.format(-0.0001, decimals: 1) == "0.0")
        #expect(ReportNumber.compact(41) == "41")
        #expect(ReportNumber.compact(12_500) == "12.5k")
        #expect(ReportNumber.format(.nan) == "–")
    }
}
