import ArgumentParser
import DelotonBench
import DelotonReport
import DelotonStore
import Foundation

extension Bench {
struct ReportBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The daily report of a busy day (5,000 rides, 2.5 M readings by default), timed.",
        discussion: """
            Loads the day into the warehouse unless it is already there (so a second run on the same \
            \(flag: .database) measures the report alone), then builds the figures in the warehouse and renders \
            the charts, HTML, PDF and JSON. Target: under 5 s.
            """)

    @Option(help: "Warehouse (default: a fresh SQLite file in a temp folder)") var database: String?
    @Option(help: "Rides on the day") var rides: Int = 5_000
    @Option(help: "Readings per ride") var readings: Int = 500

    func run() async throws {
        let logger = try CommonOptions.parse([]).logger("deloton.bench")
        let dir = NSTemporaryDirectory() + "deloton-bench-report-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let warehouse = try await Warehouses.open(database ?? "sqlite:" + dir + "/bench.sqlite", migrate: true, logger: logger)
        let result = try await ReportBench.run(warehouse: warehouse, rides: rides, secondsPerRide: readings,
                                               output: URL(fileURLWithPath: dir + "/out"))
        try await warehouse.close()
        func s(_ d: Duration) -> String { String(format: "%.2f s", d.inSeconds) }
        Console.out("report (\(warehouse.kind)): \(Console.count(result.rides)) rides, \(Console.count(result.readings)) readings; "
                    + "load \(s(result.load)), figures \(s(result.figures)), render \(s(result.render)), "
                    + "total \(s(result.figures + result.render)), PDF \(result.pdfBytes / 1024) KiB")
    }
}
}
