import ArgumentParser
import DelotonIngest
import DelotonStore
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure ingest throughput and memory on generated streams.",
        discussion: """
            Prints parse-only lines/s, parser + assembler readings/s, file → warehouse readings/s, and the peak \
            memory of file ingests at two input sizes (each in a child process, to show memory stays flat). \
            Build with -c release first: debug builds are several times slower.
            """)

    @Option(help: "Readings in the main generated stream (default 600000)") var readings: Int = 600_000
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
            let result = try await IngestBench.ingest(file, into: warehouse, logger: logger)
            try await warehouse.close()
            Console.out("readings=\(result.stats.readings) seconds=\(result.seconds) peak_rss_kb=\(IngestBench.peakRSSKilobytes() ?? -1)")
            return
        }
        let dir = workdir ?? NSTemporaryDirectory() + "deloton-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workdir == nil { try? FileManager.default.removeItem(atPath: dir) } }

        let file = input ?? dir + "/stream.jsonl"
        if input == nil {
            let lines = try IngestBench.generate(readings: readings, to: file)
            Console.out("generated \(Console.count(lines)) lines (\(Console.megabytes(Int64(FileSource(path: file).size ?? 0))))")
        }
        if only == nil || only == "parse" {
            let parse = try IngestBench.parse(file)
            Console.out(String(format: "parse only:          %12.0f lines/s", Double(parse.lines) / parse.seconds))
        }
        if only == nil || only == "assemble" {
            let assemble = try IngestBench.assemble(file)
            Console.out(String(format: "parse + assemble:    %12.0f readings/s", Double(assemble.readings) / assemble.seconds))
        }
        guard only == nil || only == "ingest" else { return }

        let url = database ?? "sqlite:" + dir + "/bench.sqlite"
        let warehouse = try await Warehouses.open(url, logger: logger)
        let e2e = try await IngestBench.ingest(file, into: warehouse, logger: logger)
        try await warehouse.close()
        Console.out(String(format: "file → %@:   %12.0f readings/s (%d readings in %.2f s)", warehouse.kind,
                           Double(e2e.stats.readings) / e2e.seconds, e2e.stats.readings, e2e.seconds))

        // Memory: the same ingest at 1x and 3x the input, each in its own process.
        guard only == nil else { return }
        for factor in [1, 3] {
            let sized = dir + "/stream-\(factor)x.jsonl"
            _ = try IngestBench.generate(readings: readings * factor / 3, to: sized, seed: 7)
            let out = try childRun(["bench", "--child-ingest", sized])
            Console.out("file → sqlite at \(factor)x/3 input: \(out)")
        }
    }

    private func childRun(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
