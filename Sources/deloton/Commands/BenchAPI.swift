import ArgumentParser
import DelotonBench
import DelotonServer
import DelotonStore
import Foundation
import Hummingbird
import Logging

extension Bench {
struct APIBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "API latency at a steady request rate (open loop) and maximum throughput (wrk) per route.",
        discussion: """
            Fills the warehouse with 1,000 rides of 1,000 readings unless it already holds rides, serves the \
            API from this process on 127.0.0.1, then per route (GET /ride/{id}, /rider/{id}, /daily?date=): \
            --rate requests a second for --seconds, each timed from its scheduled send (so a stall shows in \
            the percentiles), and, when Debian's wrk is installed, wrk's closed-loop maximum. The load runs \
            on the same machine, so its CPU use is part of every figure.
            """)

    @Option(help: "Warehouse (default: a fresh SQLite file in a temp folder)") var database: String?
    @Option(help: "Rides to fill an empty warehouse with") var rides: Int = 1_000
    @Option(help: "Readings per ride when filling") var readings: Int = 1_000
    @Option(help: "Requests a second of the open-loop run") var rate: Double = 1_000
    @Option(help: "Seconds per route and run") var seconds: Double = 20

    func run() async throws {
        var logger = try CommonOptions.parse([]).logger("deloton.bench")
        logger.logLevel = .warning
        let dir = NSTemporaryDirectory() + "deloton-bench-api-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let warehouse = try await Warehouses.open(database ?? "sqlite:" + dir + "/bench.sqlite", migrate: true, logger: logger)
        let started = ContinuousClock.now
        if try await APIBench.fill(warehouse, rides: rides, seconds: readings) {
            let took = ContinuousClock.now - started
            Console.out("filled \(Console.count(rides * readings)) readings in \(took.components.seconds) s")
        }
        let routes = try await APIBench.routes(warehouse)

        let port = try OpenLoopLoad.freePort()
        // Quiet: wrk ends with requests in flight, which the server would log as failures.
        var serverLogger = logger
        serverLogger.logLevel = .critical
        // Public reads: the figures are the routes' own (the generators send no credential); a
        // key or session adds one indexed lookup per request on top.
        let app = buildApplication(config: try ServerConfig(host: "127.0.0.1", port: port, publicReads: true), warehouse: warehouse,
                                   logger: serverLogger, metrics: nil)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        try await Self.waitUntilListening(port)

        Console.out("\(warehouse.kind), \(Int(rate)) requests/s for \(Int(seconds)) s per route, open loop:")
        for route in routes {
            let (rate, seconds) = (self.rate, self.seconds)
            let result = await withCheckedContinuation { c in
                Thread.detachNewThread {
                    c.resume(returning: OpenLoopLoad.run(port: port, rate: rate, seconds: seconds, path: route.path))
                }
            }
            Console.out("  \(route.name): \(result.summary)")
        }
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Console.out("wrk is not installed (apt-get install wrk): no closed-loop figures")
            return
        }
        Console.out("maximum throughput, closed loop (wrk -t2 -c32 --latency):")
        for route in routes {
            Console.out("  \(route.name): " + (try Self.wrk(wrk, port: port, route: route, seconds: seconds, dir: dir)))
        }
        server.cancel()
        try await warehouse.close()
    }

    /// wrk's requests/s and latency percentiles, paths from a Lua table of the route's first 10,000.
    static func wrk(_ wrk: String, port: Int, route: APIBench.Route, seconds: Double, dir: String) throws -> String {
        let script = dir + "/paths.lua"
        let paths = (0..<10_000).map { "\"\(route.path($0))\"" }.joined(separator: ",")
        try """
            local paths = {\(paths)}
            local n = 0
            request = function()
              n = n % #paths + 1
              return wrk.format("GET", paths[n])
            end
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let output = try Bench.output(of: wrk, ["-t2", "-c32", "-d\(Int(seconds))s", "--latency", "-s", script,
                                                "http://127.0.0.1:\(port)"])
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func value(_ prefix: String) -> String {
            lines.first { $0.hasPrefix(prefix) }.map { $0.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) } ?? "?"
        }
        let errors = lines.first { $0.hasPrefix("Non-2xx") || $0.hasPrefix("Socket errors") }.map { "; \($0)" } ?? ""
        return "\(value("Requests/sec:")) requests/s; p50 \(value("50%")), p99 \(value("99%"))\(errors)"
    }

    static func waitUntilListening(_ port: Int) async throws {
        for _ in 0..<200 {
            let fd = OpenLoopLoad.Connection.connect(port)
            if fd >= 0 {
                close(fd)
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw APIBench.BenchError(description: "the API did not start listening on port \(port)")
    }
}
}
