import ArgumentParser
import DelotonBench
import Foundation

extension Bench {
struct FleetBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "A warehouse at fleet size: loading rate as it fills, a big day's report, dashboard window and /daily pages, retention.",
        discussion: """
            Fills an empty warehouse with `deloton ingest` processes, a simulated day of --round-readings readings at a \
            time (200 bikes), and prints each round's rate; then loads a day of --day-readings readings (1,000 bikes) that \
            ends now and times `deloton report` of it, the dashboard's 12-hour window and GET /daily of a \
            --daily-rides-ride day through `deloton serve`; then drops the readings older than 30 days as \
            --readings-retention 30d would. Needs about 150 bytes of disk a reading on PostgreSQL. Build with -c release first.
            """)

    @Option(help: "Warehouse with no rides yet: postgres://... or sqlite:PATH") var database: String
    @Option(help: "Readings in all") var readings: Int = 50_000_000
    @Option(help: "Readings a fill round (a day)") var roundReadings: Int = 2_000_000
    @Option(help: "Readings of the day that ends now") var dayReadings: Int = 10_000_000
    @Option(help: "Rides of the day GET /daily pages through") var dailyRides: Int = 10_000

    func run() async throws {
        var logger = try CommonOptions.parse([]).logger("deloton.bench")
        logger.logLevel = .warning
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let dir = NSTemporaryDirectory() + "deloton-bench-fleet-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = FleetBench.Options(database: database, binary: binary)
        options.readings = readings; options.roundReadings = roundReadings
        options.dayReadings = dayReadings; options.dailyRides = dailyRides
        try await FleetBench.run(options, scratch: dir, logger: logger) { Console.out($0) }
    }
}
}
