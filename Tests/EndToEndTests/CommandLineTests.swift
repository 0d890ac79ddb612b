import DelotonTestSupport
import Foundation
import Testing

/// The real `deloton` binary: exit codes and messages are part of the interface.
@Suite struct CommandLineTests {
    func deloton(_ args: String...) throws -> ChildProcess {
        try ChildProcess.run(TestPaths.delotonBinary, args)
    }

    @Test func helpListsEveryCommand() throws {
        let r = try deloton("help")
        #expect(r.status == 0)
        for command in ["run", "ingest", "simulate", "migrate", "bench"] { #expect(r.stdout.contains(command)) }
    }

    @Test func missingInputFileIsExitTwoWithOneLine() throws {
        let r = try deloton("ingest", "--source", "file:/no/such/file.jsonl", "--database", "sqlite:" + TestPaths.scratch() + "/w.sqlite")
        #expect(r.status == 2)
        #expect(r.stderr.contains("input file not found: /no/such/file.jsonl"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func unknownOptionIsExitTwo() throws {
        #expect(try deloton("ingest", "--no-such-option").status == 2)
    }

    @Test func malformedDatabaseURLIsExitTwo() throws {
        let r = try deloton("migrate", "--database", "mysql://x")
        #expect(r.status == 2 && r.stderr.contains("--database"))
    }

    @Test func unwritableDatabaseIsExitOne() throws {
        let r = try deloton("ingest", "--source", "file:" + TestPaths.realSample, "--database", "sqlite:/proc/deloton.sqlite")
        #expect(r.status == 1)
        #expect(!r.stderr.contains("Fatal error") && r.stderr.split(separator: "\n").count == 1)
    }

    @Test func simulateThenIngestPrintsASummary() throws {
        let dir = TestPaths.scratch("e2e")
        let sim = try deloton("simulate", "--to", "file:\(dir)/s.jsonl", "--rides", "6", "--bikes", "2", "--speed", "0", "--seed", "9")
        #expect(sim.status == 0)
        let r = try deloton("ingest", "--source", "file:\(dir)/s.jsonl", "--database", "sqlite:\(dir)/w.sqlite")
        #expect(r.status == 0)
        #expect(r.stdout.contains("in 6 finished rides, 0 lines quarantined"))
    }
}
