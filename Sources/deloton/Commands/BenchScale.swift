import ArgumentParser
import DelotonStore
import Foundation

extension Bench {
struct ScaleBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "The whole `deloton ingest` process, file → PostgreSQL, against a careful Python pipeline on the same server.",
        discussion: """
            Simulates a stream of about --readings readings (or reads --input), runs `deloton ingest --source file:` \
            (this binary) on it as a process of its own, timed from start to exit, then Benchmarks/baseline/python_pipeline.py \
            (needs python3 and psycopg) on the same file and server, into its own schema `baseline`. The warehouse must hold \
            no rides yet: the bench fills it. Build with -c release first.
            """)

    @Option(help: "PostgreSQL warehouse with no rides yet, postgres://...") var database: String
    @Option(help: "Readings of the simulated stream (about 435 a ride)") var readings: Int = 1_200_000
    @Option(help: "A stream file to load instead of a simulated one") var input: String?
    @Option(help: "The Python baseline script") var baseline = "Benchmarks/baseline/python_pipeline.py"
    @Option(help: "Seed of the simulated stream") var seed = 7

    func run() async throws {
        var logger = try CommonOptions.parse([]).logger("deloton.bench")
        logger.logLevel = .warning
        guard case .postgres = try WarehouseLocation(parsing: database) else {
            throw CLIFailure.usage("bench scale measures PostgreSQL: give --database postgres://...")
        }
        let warehouse = try await Warehouses.open(database, migrate: true, logger: logger)
        let empty = try await warehouse.sql.query("SELECT 1 AS one FROM rides LIMIT 1").isEmpty
        try await warehouse.close()
        guard empty else { throw CLIFailure.usage("bench scale needs a warehouse with no rides: it loads the stream and times that") }

        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let dir = NSTemporaryDirectory() + "deloton-bench-scale-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stream = input ?? dir + "/stream.jsonl"
        if input == nil {
            Console.out("simulating about \(Console.count(readings)) readings ...")
            _ = try Bench.output(of: binary, ["simulate", "--to", "file:" + stream, "--rides", String(max(1, readings / 435)),
                                              "--bikes", "50", "--seed", String(seed), "--quiet"])
        }

        let clock = ContinuousClock(), started = clock.now
        let said = try Bench.output(of: binary, ["ingest", "--source", "file:" + stream, "--no-notify", "--database", database,
                                                 "--log-level", "error"])
        let seconds = (clock.now - started).inSeconds
        let loaded = try await Warehouses.open(database, migrate: false, logger: logger)
        let count: Int = try await loaded.sql.query("SELECT count(*) AS n FROM readings").first?.decode("n") ?? 0
        try await loaded.close()
        let rate = Double(count) / seconds
        Console.out("deloton ingest (whole process): \(Console.count(count)) readings in \(String(format: "%.2f", seconds)) s: "
                    + "\(Console.count(Int(rate))) readings/s (\(said))")

        guard FileManager.default.fileExists(atPath: baseline) else {
            Console.out("no baseline at \(baseline): run from the repository, or give --baseline")
            return
        }
        let line = try Bench.output(of: "/usr/bin/env", ["python3", baseline, "--database", database, "--input", stream])
        guard let rateText = line.split(separator: " ").dropLast().last, let baselineRate = Double(rateText) else {
            Console.out("the baseline did not say its rate (is psycopg installed? pip install 'psycopg[binary]'): \(line)")
            return
        }
        Console.out(line)
        Console.out("deloton / baseline: ×\(String(format: "%.2f", rate / baselineRate))")
    }

}
}
