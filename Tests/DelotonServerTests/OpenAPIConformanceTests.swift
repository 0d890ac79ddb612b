import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

/// The real server on a free port, checked by schemathesis against its own /openapi.json:
/// no 5xx, every response as documented, bad input refused with 400.
@Suite struct OpenAPIConformanceTests {
    // Disabled for now: in 2 of 4 full parallel runs this test never returned (schemathesis had
    // exited; the suite hung), which would hang CI. Run it alone: swift test --filter schemathesis
    // with DELOTON_SCHEMATHESIS=1. Next step: run it from scripts/test.sh against `deloton serve`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DELOTON_SCHEMATHESIS"] == "1"), .timeLimit(.minutes(10)), arguments: Backend.allCases)
    func schemathesisFindsNothingAgainstTheRunningServer(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let writer = try await APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now }).create(name: "schemathesis", scope: .write)
        try await fixture.app().test(.live) { client async throws in
            let port = try #require(client.port)
            let (status, output) = try await Self.run(Self.script(), ["http://127.0.0.1:\(port)", writer])
            print(output)
            #expect(status == 0, "schemathesis reported failures:\n\(output.suffix(6000))")
        }
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
