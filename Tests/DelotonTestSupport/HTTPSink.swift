import Foundation

/// A real HTTP server (`scripts/testing/deloton_http_sink.py`) on a free loopback port that
/// answers every POST with a fixed status and records the bodies, for webhook tests.
public final class HTTPSink: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    public let status: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    private let lock = NSLock()
    private var process: SpawnedServer?

    /// - Parameter status: the HTTP status every POST gets.
    public init(status: Int = 200) async throws {
        self.status = status
        directory = try SinkProcess.makeDirectory(prefix: "deloton-http")
        port = try SinkProcess.freePort()
        let scripts = try SinkProcess.scriptsDirectory()
        let launched = try await SinkProcess.launch(
            arguments: [
                "python3", scripts.appendingPathComponent("deloton_http_sink.py").path,
                String(port), directory.appendingPathComponent("requests").path, String(status),
            ],
            environment: [:],
            log: directory.appendingPathComponent("http.log"),
            port: port)
        lock.withLock { process = launched }
    }

    deinit {
        shutdown()
    }

    /// Stops the server and deletes its directory once it has exited, without waiting (so it
    /// fits a `defer`).
    public func shutdown() {
        let directory = self.directory
        let cleanup: @Sendable () -> Void = { try? FileManager.default.removeItem(at: directory) }
        let running = lock.withLock { () -> SpawnedServer? in
            defer { process = nil }
            return process
        }
        if let running { running.stopInBackground(then: cleanup) } else { cleanup() }
    }

    /// The bodies of the POSTs received so far, in arrival order.
    public func bodies() -> [Data] {
        let folder = directory.appendingPathComponent("requests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".body") && !$0.hasPrefix(".") }.sorted().compactMap {
            try? Data(contentsOf: folder.appendingPathComponent($0))
        }
    }

    /// The request lines and headers of the POSTs received so far, in arrival order.
    public func headers() -> [String] {
        let folder = directory.appendingPathComponent("requests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".headers") && !$0.hasPrefix(".") }.sorted().compactMap {
            try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// Polls until at least `count` bodies arrived or the timeout passes.
    public func waitForBodies(count: Int, timeout: Duration = .seconds(5)) async -> [Data] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = bodies()
            if found.count >= count || ContinuousClock.now >= deadline { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
