import ArgumentParser
import DelotonBench
import DelotonIngest
import DelotonStore
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput, latency and memory (build with -c release first).",
        subcommands: [IngestBench.self, KafkaBench.self, PostgresBench.self, ReportBenchCommand.self, APIBenchCommand.self,
                      DailyBenchCommand.self, ScaleBenchCommand.self, FleetBenchCommand.self],
        defaultSubcommand: IngestBench.self)

    /// What a program prints on standard output, once it has exited (a child ingest, wrk).
    static func output(of executable: String, _ arguments: [String]) throws -> String {
        try FleetBench.run(executable, arguments).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Bench {
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest throughput and memory on generated streams (the default).",
        discussion: """
            Prints parse-only lines/s, parser + assembler readings/s, file → warehouse readings/s, and the peak \
            memory of file ingests at two input sizes (each in a child process, to show memory stays flat). \
            Build with -c release first: debug builds are several times slower.
            """)

    @Option(help: "Readings in the main generated stream") var readings: Int = 600_000
    @Option(help: "Warehouse for the end-to-end run (default: a fresh SQLite file in a temp folder)") var database: String?
    @Option(help: "Keep generated files in this folder (default: a temp folder, removed afterwards)") var workdir: String?
    @Option(help: "Measure this JSONL stream instead of a generated one") var input: String?
    @Option(help: "Run one stage only: parse, assemble or ingest") var only: String?
    @Option(help: .hidden) var childIngest: String?

    func run() async throws {
        let logger = try CommonOptions.parse([]).logger("deloton.bench")
        if let file = childIngest {
            // Child mode: one file ingest into a fresh SQLite file, then the process's peak RSS.
            let db = file + ".sqlite"
            let warehouse = try await Warehouses.open("sqlite:" + db, logger: logger)
            let result = try await DelotonBench.IngestBench.ingest(file, into: warehouse, logger: logger)
            try await warehouse.close()
            Console.out("readings=\(result.stats.readings) seconds=\(result.seconds) peak_rss_kb=\(DelotonBench.IngestBench.peakRSSKilobytes() ?? -1)")
            return
        }
        let dir = workdir ?? NSTemporaryDirectory() + "deloton-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workdir == nil { try? FileManager.default.removeItem(atPath: dir) } }

        let file = input ?? dir + "/stream.jsonl"
        if input == nil {
            let lines = try DelotonBench.IngestBench.generate(readings: readings, to: file)
            Console.out("generated \(Console.count(lines)) lines (\(Console.megabytes(Int64(FileSource(path: file).size ?? 0))))")
        }
        if only == nil || only == "parse" {
            let parse = try DelotonBench.IngestBench.parse(file)
            Console.out(String(format: "parse only:          %12.0f lines/s", Double(parse.lines) / parse.seconds))
        }
        if only == nil || only == "assemble" {
            let assemble = try DelotonBench.IngestBench.assemble(file)
            Console.out(String(format: "parse + assemble:    %12.0f readings/s", Double(assemble.readings) / assemble.seconds))
        }
        guard only == nil || only == "ingest" else { return }

        let url = database ?? "sqlite:" + dir + "/bench.sqlite"
        let warehouse = try await Warehouses.open(url, logger: logger)
        let e2e = try await DelotonBench.IngestBench.ingest(file, into: warehouse, logger: logger)
        try await warehouse.close()
        Console.out(String(format: "file → %@:   %12.0f readings/s (%d readings in %.2f s)", warehouse.kind.rawValue,
                           Double(e2e.stats.readings) / e2e.seconds, e2e.stats.readings, e2e.seconds))

        // Memory: the same ingest at 1x and 3x the input, each in its own process.
        guard only == nil else { return }
        for factor in [1, 3] {
            let sized = dir + "/stream-\(factor)x.jsonl"
            _ = try DelotonBench.IngestBench.generate(readings: readings * factor / 3, to: sized, seed: 7)
            let out = try Bench.output(of: "/proc/self/exe", ["bench", "ingest", "--child-ingest", sized])
            Console.out("file → sqlite at \(factor)x/3 input: \(out)")
        }
    }
}

struct KafkaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Kafka → SQLite readings/s next to file → SQLite, and produce-to-commit latency at many bikes.",
        discussion: """
            Each timed throughput run first waits (up to 30 s) until the machine has been idle for 1.5 s, the Kafka \
            one after joining its group, so a broker's background work (noida-db rewrites its store after every \
            group change) does not land in it. Use a freshly started broker.
            """)

    @Option(help: "Bootstrap brokers of a Kafka-compatible broker to use (e.g. one on 127.0.0.1)") var brokers: String
    @Option(help: "Readings for the throughput run (noida-db answers a fetch with the whole topic, and librdkafka refuses answers past 100 MB, about 400000 readings)")
    var readings: Int = 300_000
    @Option(help: "Throughput rounds, file then Kafka each") var rounds: Int = 5
    @Option(help: "Bikes riding in real time for the latency run") var bikes: Int = 1000
    @Option(help: "Seconds of the latency run") var seconds: Int = 20

    func run() async throws {
        let logger = try CommonOptions.parse([]).logger("deloton.bench")
        let dir = NSTemporaryDirectory() + "deloton-bench-kafka-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for line in try await KafkaIngestBench.run(brokers: brokers, readings: readings, rounds: rounds, bikes: bikes, seconds: seconds,
                                                   directory: dir, logger: logger) {
            Console.out(line)
        }
    }
}

struct PostgresBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "File → PostgreSQL readings/s next to a plain binary COPY of the same rows on the same server.")

    @Option(help: "A PostgreSQL database to measure on (tables are created in it)") var database: String
    @Option(help: "Readings to load") var readings: Int = 1_000_000

    func run() async throws {
        let logger = try CommonOptions.parse([]).logger("deloton.bench")
        Console.out(try await DelotonBench.PostgresBench.run(url: database, readings: readings, logger: logger))
    }
}
}
