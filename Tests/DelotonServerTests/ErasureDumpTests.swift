import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import DelotonServer

/// `DELETE /rider/{id}` erases the rider everywhere the warehouse keeps them: after it, a dump of
/// the whole database (`sqlite3 .dump`, `pg_dump`) holds none of their name, email or address.
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
            try await fixture.warehouse.sql.execute(SQL("INSERT INTO quarantine (source, position, raw, reason) VALUES (?, ?, ?, ?)",
                                                        [.text("file:erasure"), .int(Int64(position)), .text(raw), .text("test")]))
        }
        #expect(try await Self.dump(fixture).contains("ada@example.com"), "the dump sees the data before erasure")

        let writer = try await APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now }).create(name: "dpo", scope: .write)
        let erased = Mutex<Deletion.ErasedRider?>(nil)
        var config = fixture.config
        config.onRiderErased = { rider in erased.withLock { $0 = rider } }
        try await fixture.test(config: config) { client async throws in
            #expect(try await client.call("/rider/900", method: .delete, headers: [.authorization: "Bearer \(writer)"]).status == .noContent)
        }
        // What the command line erases the outbox with: both addresses alerts went to.
        #expect(erased.withLock { $0?.emails.contains("ada@example.com") } == true)
        let dump = try await Self.dump(fixture)
        for trace in Self.traces { #expect(!dump.contains(trace), "\(trace) is still in the \(backend) dump") }
        #expect(dump.contains("Mr Other Person"), "other riders' quarantined lines stay")
        #expect(dump.contains("Jack A. Smith") || dump.contains("Smith"), "other riders stay")
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
