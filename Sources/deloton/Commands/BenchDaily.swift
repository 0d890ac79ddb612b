import ArgumentParser
import DelotonBench
import DelotonStore
import Foundation

extension Bench {
struct DailyBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daily",
        abstract: "GET /daily of a fleet-sized day, paged and whole, before and after the day is finished.",
        discussion: """
            Fills 14 July 2022 with --rides rides unless the warehouse already holds them, starts `deloton serve` \
            (this binary, --public-reads) as a process on 127.0.0.1, then drives open-loop load timed from each \
            request's scheduled send: while one ride of the day is still in progress (every answer read from the \
            warehouse, as before pages and validators) and after it ended (a finished day: ETag and the server's \
            cache). Measure on PostgreSQL: --database postgres://...
            """)

    @Option(help: "Warehouse (default: a fresh SQLite file in a temp folder)") var database: String?
    @Option(help: "Rides of the day") var rides: Int = 10_000
    @Option(help: "Rides a page") var limit: Int = 100
    @Option(help: "Requests a second of the paged runs") var rate: Double = 100
    @Option(help: "Requests a second of the unpaginated runs (each answer is the whole day)") var wholeDayRate: Double = 5
    @Option(help: "Seconds per run") var seconds: Double = 20

    func run() async throws {
        var logger = try CommonOptions.parse([]).logger("deloton.bench")
        logger.logLevel = .warning
        let dir = NSTemporaryDirectory() + "deloton-bench-daily-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = database ?? "sqlite:" + dir + "/bench.sqlite"
        let warehouse = try await Warehouses.open(url, migrate: true, logger: logger)
        var options = DailyBench.Options()
        options.rides = rides; options.limit = limit; options.rate = rate
        options.wholeDayRate = wholeDayRate; options.seconds = seconds
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        Console.out("\(warehouse.kind), serve in its own process, open loop, \(Int(seconds)) s a run:")
        _ = try await DailyBench.run(warehouse, options: options, serve: { port in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve", "--database", url, "--port", String(port), "--public-reads", "--no-sign-in-link",
                                 "--log-level", "error"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }, say: { Console.out($0) })
        try await warehouse.close()
    }
}
}
