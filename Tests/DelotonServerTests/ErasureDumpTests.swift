import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Testing
@testable import DelotonServer

/// `DELETE /rider/{id}` erases the rider everywhere deloton keeps them: after it, a dump of the
/// whole database (`sqlite3 .dump`, `pg_dump`) and the alert outbox folder hold none of their
/// name, email or address. The outbox is written by `deloton notify` and the rider erased through
/// `deloton serve`, each a process of its own with the settings an operator gives them.
@Suite struct ErasureDumpTests {
    /// Rider 900's identifying values (Fixture.syntheticLines; the address of the lines below,
    /// since the fixture's riders share theirs).
    static let traces = ["Byron-King", "ada@example.com", "ada.new@example.com", "7 Unique Mews"]

    @Test(arguments: Backend.allCases) func aDumpAfterErasureHoldsNothingOfTheRider(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        // Quarantine keeps lines with their data: a profile that came before any ride, and one
        // whose JSON broke (no usable id, but the address and name are there).
        let profile = #"{"log": "2022-07-25 16:12:32.019000 mendoza v9: [SYSTEM] data = {\"user_id\":900,\"name\":\"Dr Ada M. Byron-King\",\"address\":\"7 Unique Mews,London,EC1A 1AA\",\"email_address\":\"ada@example.com\"}\n"}"#
        let broken = #"{"log": "[SYSTEM] data = {\"name\":\"Dr Ada M. Byron-King\",\"email_address\":\"ada.new@example.com\",\"address\":\"7 Unique Mews,Lon"#
        let stranger = #"{"log": "[SYSTEM] data = {\"user_id\":9001,\"name\":\"Mr Other Person\"}"}"#
        for (position, raw) in [profile, broken, stranger].enumerated() {
            try await fixture.warehouse.sql.execute(
                "INSERT INTO quarantine (source, position, raw, reason) VALUES ('file:erasure', \(position), \(raw), 'test')")
        }
        // The alerts go out as .eml files, to the rider and a staff copy; another message stays.
        let outbox = fixture.directory.appendingPathComponent("outbox")
        let notify = try await ChildProcess.run(TestPaths.delotonBinary, [
            "notify", "--once", "--database", fixture.url, "--outbox", outbox.path, "--alert-cc", "coach@example.org"])
        #expect(notify.status == 0, "\(notify.stderr)")
        try "Subject: unrelated\r\n\r\nMr Other Person's note\r\n".write(to: outbox.appendingPathComponent("other.eml"),
                                                                        atomically: true, encoding: .utf8)
        #expect(try await Self.dump(fixture).contains("ada@example.com"), "the dump sees the data before erasure")
        #expect(try Self.outboxText(outbox).contains("ada@example.com"), "the outbox holds the rider's alert before erasure")
        // A dashboard session is open: sessions name a key, never a rider, and stay.
        _ = try await SessionStore(warehouse: fixture.warehouse, now: { Fixture.now }).open(keyName: "fixture-reader", lifetimeSeconds: 3600)

        let writer = try await APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now }).create(name: "dpo", scope: .write)
        let port = try SpawnedServer.freePort()
        let serve = try await SpawnedServer.start(
            [TestPaths.delotonBinary, "serve", "--database", fixture.url, "--host", "127.0.0.1", "--port", String(port)],
            environment: ["DELOTON_OUTBOX_DIR": outbox.path, "SWIFT_BACKTRACE": "enable=no"],
            log: fixture.directory.appendingPathComponent("serve.log"), port: port)
        defer { serve.stopInBackground() }
        let status = try await onOwnThread {
            try Self.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30", "-X", "DELETE",
                                           "-H", "Authorization: Bearer \(writer)", "http://127.0.0.1:\(port)/rider/900"])
        }
        #expect(status == "204")

        let dump = try await Self.dump(fixture)
        for trace in Self.traces { #expect(!dump.contains(trace), "\(trace) is still in the \(backend) dump") }
        #expect(dump.contains("Mr Other Person"), "other riders' quarantined lines stay")
        #expect(dump.contains("Jack A. Smith") || dump.contains("Smith"), "other riders stay")
        #expect(dump.contains("fixture-reader"), "the session and keys stay")
        let mail = try Self.outboxText(outbox)
        for trace in Self.traces { #expect(!mail.contains(trace), "\(trace) is still in the \(backend) outbox") }
        #expect(mail.contains("Mr Other Person"), "other messages stay")
    }

    /// Every `.eml` file of the outbox, one after another.
    static func outboxText(_ folder: URL) throws -> String {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }.sorted()
            .map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
    }

    /// The whole database as text, by the database's own dump tool.
    static func dump(_ fixture: Fixture) async throws -> String {
        try await onOwnThread { try dumpHere(fixture) }
    }

    static func dumpHere(_ fixture: Fixture) throws -> String {
        if fixture.url.hasPrefix("sqlite:") {
            return try run("/usr/bin/sqlite3", [String(fixture.url.dropFirst("sqlite:".count)), ".dump"])
        }
        let pgDump = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed()
            .map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let pgDump else { throw DumpMissing() }
        return try run(pgDump, ["--no-owner", fixture.url])
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    struct DumpMissing: Error {}
}
