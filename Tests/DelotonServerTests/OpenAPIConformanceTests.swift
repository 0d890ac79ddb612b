import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Testing
@testable import DelotonServer

/// `deloton serve` on a free port, over a warehouse filled by the fixture, checked by
/// schemathesis against its own /openapi.json: no 5xx, every response as documented, bad
/// input refused with 400.
@Suite struct OpenAPIConformanceTests {
    @Test(.timeLimit(.minutes(10)), arguments: Backend.allCases)
    func schemathesisFindsNothingAgainstTheRunningServer(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let writer = try await APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now }).create(name: "schemathesis", scope: .write)
        let port = try SpawnedServer.freePort()
        let log = fixture.directory.appendingPathComponent("serve.log")
        let server = try await SpawnedServer.start(
            [TestPaths.delotonBinary, "serve", "--database", fixture.url, "--host", "127.0.0.1", "--port", String(port)],
            environment: ["SWIFT_BACKTRACE": "enable=no"], log: log, port: port)
        defer { server.stopInBackground() }
        let (status, output) = try await Self.run(Self.script(), ["http://127.0.0.1:\(port)", writer])
        print(output)
        #expect(status == 0, "schemathesis reported failures:\n\(output.suffix(6000))")
        let serverLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!serverLog.contains("Fatal error"), "deloton serve crashed: \(serverLog.suffix(2000))")
    }

    static func script() -> String {
        var dir = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("scripts/testing/schemathesis.sh").path
    }

    static func run(_ path: String, _ arguments: [String]) async throws -> (Int32, String) {
        let child = try await ChildProcess.run("/bin/bash", [path] + arguments, timeout: .seconds(900))
        return (child.status, child.stdout + child.stderr)
    }
}
