import DelotonTestSupport
import Foundation
import Testing

/// The real `deloton` binary: exit codes and messages are part of the interface.
@Suite struct CommandLineTests {
    func deloton(_ args: String...) async throws -> ChildProcess {
        try await ChildProcess.run(TestPaths.delotonBinary, args)
    }

    @Test func helpListsEveryCommand() async throws {
        let r = try await deloton("help")
        #expect(r.status == 0)
        for command in ["run", "ingest", "simulate", "migrate", "bench"] { #expect(r.stdout.contains(command)) }
    }

    @Test func versionIsPrinted() async throws {
        let r = try await deloton("--version")
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("deloton "), "\(r.stdout)")
    }

    @Test func missingInputFileIsExitTwoWithOneLine() async throws {
        let r = try await deloton("ingest", "--source", "file:/no/such/file.jsonl", "--database", "sqlite:" + TestPaths.scratch() + "/w.sqlite")
        #expect(r.status == 2)
        #expect(r.stderr.contains("input file not found: /no/such/file.jsonl"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func unknownOptionIsExitTwo() async throws {
        #expect(try await deloton("ingest", "--no-such-option").status == 2)
    }

    @Test func malformedDatabaseURLIsExitTwo() async throws {
        let r = try await deloton("migrate", "--database", "mysql://x")
        #expect(r.status == 2 && r.stderr.contains("--database"))
    }

    @Test func unwritableDatabaseIsExitOne() async throws {
        let r = try await deloton("ingest", "--source", "file:" + TestPaths.realSample, "--database", "sqlite:/proc/deloton.sqlite")
        #expect(r.status == 1)
        #expect(!r.stderr.contains("Fatal error") && r.stderr.split(separator: "\n").count == 1)
    }

    @Test func simulateThenIngestPrintsASummary() async throws {
        let dir = TestPaths.scratch("e2e")
        let sim = try await deloton("simulate", "--to", "file:\(dir)/s.jsonl", "--rides", "6", "--bikes", "2", "--speed", "0", "--seed", "9")
        #expect(sim.status == 0)
        let r = try await deloton("ingest", "--source", "file:\(dir)/s.jsonl", "--database", "sqlite:\(dir)/w.sqlite")
        #expect(r.status == 0)
        #expect(r.stdout.contains("in 6 finished rides, 0 lines quarantined"))
    }
}
