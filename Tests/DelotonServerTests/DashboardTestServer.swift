import DelotonCore
import DelotonServer
import DelotonStore
import DelotonTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore

/// A real dashboard server for browser tests: Hummingbird on a free loopback port, a temp
/// SQLite warehouse with finished rides in the recent window, and bikes riding in real time.
final class DashboardTestServer: Sendable {
    let port: Int
    let directory: URL
    let warehouse: any Warehouse
    /// Riders of the finished rides, in the order written.
    let historyRiders: [DashboardSimulation.Rider]
    let liveRiders: [String: DashboardSimulation.Rider]
    private let tasks: [Task<Void, Never>]

    var base: String { "http://127.0.0.1:\(port)" }

    struct Setup {
        var historyRides = 36
        var liveBikes: [(serial: String, rider: DashboardSimulation.Rider, stopAfter: Int?)] = []
        var notInUseAfter: Double = 30
        var historyHours: Double = 10
        var historyReadings = 20
        /// A heart rate the live bike of this serial sends every second (to raise an alert), instead of a varying one.
        var heartRates: [String: Int] = [:]
        /// The page and its data open to all; false puts them behind sign-in as `deloton serve` does.
        var publicReads = true
    }

    static let riders: [DashboardSimulation.Rider] = (0..<12).map { i in
        DashboardSimulation.Rider(id: 100 + i, name: "Test Rider \(i)", gender: i % 3 == 0 ? "female" : (i % 3 == 1 ? "male" : "nonbinary"),
                                  birthYear: 1950 + i * 5)
    }

    static func start(_ setup: Setup) async throws -> DashboardTestServer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deloton-dash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let warehouse = try await Warehouses.open("sqlite:" + dir.appendingPathComponent("w.sqlite").path,
                                                  logger: Logger(label: "test"))
        var sim = DashboardSimulation()
        let now = DashboardSimulation.now()
        if setup.historyRides > 0 {
            _ = try await warehouse.write(sim.history(rides: setup.historyRides, riders: riders, now: now,
                                                      hours: setup.historyHours, readings: setup.historyReadings))
        }
        // Live bikes start 20 s in the past so the charts have a line from the first frame.
        var live = DashboardSimulation(seed: 9)
        for b in setup.liveBikes { live.startRide(bike: b.serial, rider: b.rider, at: now.adding(seconds: -21)) }
        for s in 0..<20 {
            for b in setup.liveBikes { live.ride(bike: b.serial, at: now.adding(seconds: Double(s - 20)), heartRate: setup.heartRates[b.serial]) }
        }
        _ = try await warehouse.write(live.drain())

        let feeder = Task { [live] in
            var live = live
            var tick = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(1000))
                tick += 1
                let t = DashboardSimulation.now()
                for b in setup.liveBikes where b.stopAfter.map({ tick <= $0 }) ?? true {
                    live.ride(bike: b.serial, at: t, heartRate: setup.heartRates[b.serial])
                }
                _ = try? await warehouse.write(live.drain())
            }
        }

        // The whole server, with its access rules: browser tests see what a user sees.
        let config = try ServerConfig(host: "127.0.0.1", port: 0, publicReads: setup.publicReads,
                                      dashboard: DashboardOptions(notInUseAfter: setup.notInUseAfter))
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let (app, _) = buildServer(config: config, warehouse: warehouse, logger: Logger(label: "dashboard-test"), metrics: nil,
                                   onListening: { port in
                                       portSink.yield(port)
                                       portSink.finish()
                                   })
        let server = Task {
            do { try await app.runService(gracefulShutdownSignals: []) } catch { print("dashboard test server: \(error)") }
        }
        var port = 0
        for await p in ports { port = p }
        return DashboardTestServer(port: port, directory: dir, warehouse: warehouse, historyRiders: riders,
                                   liveRiders: Dictionary(uniqueKeysWithValues: setup.liveBikes.map { ($0.serial, $0.rider) }),
                                   tasks: [feeder, server])
    }

    private init(port: Int, directory: URL, warehouse: any Warehouse, historyRiders: [DashboardSimulation.Rider],
                 liveRiders: [String: DashboardSimulation.Rider], tasks: [Task<Void, Never>]) {
        self.port = port; self.directory = directory; self.warehouse = warehouse
        self.historyRiders = historyRiders; self.liveRiders = liveRiders; self.tasks = tasks
    }

    func stop() async {
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
        try? await warehouse.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Status and body of a GET, through curl (FoundationNetworking is not needed for that).
    func get(_ path: String) async throws -> (status: Int, body: String) {
        let text = try await Curl.read(base + path, seconds: 30, extra: ["-w", "\n%{http_code}"])
        guard let cut = text.lastIndex(of: "\n") else { return (0, text) }
        return (Int(text[text.index(after: cut)...]) ?? 0, String(text[..<cut]))
    }
}

/// Headless Chromium, one process per page load (PLATFORM.md section 5).
enum Chromium {
    struct Run {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    static var path: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The DOM once the page's scripts have run (the page must be given `once=1`).
    static func dumpDOM(_ url: String, budgetMs: Int = 5000, size: String = "1280,900") async throws -> Run {
        try await run(["--virtual-time-budget=\(budgetMs)", "--window-size=\(size)", "--dump-dom", url])
    }

    static func screenshot(_ url: String, to file: String, size: String, budgetMs: Int = 5000) async throws -> Run {
        try await run(["--virtual-time-budget=\(budgetMs)", "--window-size=\(size)", "--hide-scrollbars",
                       "--screenshot=\(file)", url])
    }

    /// Console errors Chromium logged (uncaught exceptions, failed loads), ignoring its own noise.
    static func consoleErrors(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter {
            ($0.contains("CONSOLE") && ($0.contains("Uncaught") || $0.contains("Error") || $0.contains("Failed")))
                || $0.contains("Uncaught")
        }
    }

    /// One Chromium run, killed with its helper processes if it has not ended within a minute.
    private static func run(_ args: [String]) async throws -> Run {
        guard let path else { throw ChromiumMissing() }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let child = try await ChildProcess.run(
            path, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
                   "--no-first-run", "--disable-extensions"] + args,
            timeout: .seconds(60))
        return Run(stdout: child.stdout, stderr: child.stderr, status: child.status)
    }

    struct ChromiumMissing: Error, CustomStringConvertible {
        var description: String { "chromium is not installed: apt-get install chromium to run the dashboard browser tests" }
    }

}

/// Where browser tests keep their screenshots: `artifacts/dashboard` in the package (git-ignored),
/// or `DELOTON_ARTIFACTS`.
enum Artifacts {
    static var directory: URL {
        let dir: URL
        if let configured = ProcessInfo.processInfo.environment["DELOTON_ARTIFACTS"], !configured.isEmpty {
            dir = URL(fileURLWithPath: configured)
        } else {
            // Resolved, so a package that links this folder in still writes beside the real sources.
            var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            while url.pathComponents.count > 1 {
                url.deleteLastPathComponent()
                if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { break }
            }
            dir = url.appendingPathComponent("artifacts/dashboard")
        }
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
