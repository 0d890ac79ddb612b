import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

/// The real server on a free port, checked by schemathesis against its own /openapi.json:
/// no 5xx, every response as documented, bad input refused with 400.
@Suite struct OpenAPIConformanceTests {
    @Test(.timeLimit(.minutes(10)), arguments: Backend.allCases)
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

    /// Runs a program to its end off the cooperative pool, returning its exit status and output.
    static func run(_ path: String, _ arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", path] + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        return (status, output)
    }
}
