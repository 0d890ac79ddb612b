import DelotonTestSupport
import Foundation
import Testing

/// What the console says, on the real binary: a status line per interval instead of a line
/// per event, a replay told apart from new data, and what `migrate` did.
@Suite struct ConsoleOutputTests {
    func deloton(_ arguments: [String], environment: [String: String] = [:]) async throws -> ChildProcess {
        try await ChildProcess.run(TestPaths.delotonBinary, arguments, environment: environment)
    }

    func capture(_ dir: String, rides: Int = 6) async throws -> String {
        let file = dir + "/s.jsonl"
        let sim = try await deloton(["simulate", "--to", "file:" + file, "--rides", String(rides), "--bikes", "2", "--speed", "0",
                                     "--seed", "9"])
        #expect(sim.status == 0, "\(sim.stderr)")
        return file
    }

    @Test("a replay says how many readings were new and how many already stored")
    func replayIsToldApart() async throws {
        let dir = TestPaths.scratch("console-replay")
        let file = try await capture(dir)
        let db = "sqlite:\(dir)/w.sqlite"
        let first = try await deloton(["ingest", "--source", "file:" + file, "--database", db, "--no-notify"])
        #expect(first.status == 0, "\(first.stderr)")
        let count = try #require(first.stdout.firstMatch(of: /ingested ([0-9,]+) readings in/)?.1, "\(first.stdout)")
        #expect(count != "0")
        let again = try await deloton(["ingest", "--source", "file:" + file, "--database", db, "--no-notify"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("ingested 0 new readings (\(count) already stored)"), "\(again.stdout)")
    }

    @Test("migrate names the migrations it applied, then says the warehouse is up to date")
    func migrateSaysWhatItApplied() async throws {
        let db = "sqlite:" + TestPaths.scratch("console-migrate") + "/w.sqlite"
        let first = try await deloton(["migrate", "--database", db])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied migrations 1-core, 2-analytics,"), "\(first.stdout)")
        #expect(first.stdout.hasSuffix("warehouse sqlite is up to date\n"), "\(first.stdout)")
        let second = try await deloton(["migrate", "--database", db])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == "warehouse sqlite is up to date\n", "\(second.stdout)")
    }

    @Test("ingest logs a status line per interval, and no line per alert or finished ride unless --verbose")
    func statusLinePerInterval() async throws {
        let dir = TestPaths.scratch("console-status")
        let args = ["ingest", "--source", "simulator", "--rides", "4", "--bikes", "2", "--speed", "20", "--seed", "3",
                    "--min-ride-seconds", "30", "--max-ride-seconds", "40", "--ride-idle-timeout", "5",
                    "--outbox", dir + "/outbox", "--status-interval", "0.5"]
        let r = try await deloton(args + ["--database", "sqlite:\(dir)/w.sqlite"])
        #expect(r.status == 0, "\(r.stderr)")
        let status = r.stderr.split(separator: "\n").filter { $0.contains(" info ") && $0.contains("status: ") }
        #expect(status.count >= 2, "\(r.stderr)")
        #expect(status.allSatisfy { $0.contains("readings/s") && $0.contains(" open, ") && $0.contains(" finished") && $0.contains("alerts") }, "\(status)")
        #expect(!r.stderr.contains("alert sent") && !r.stderr.contains("ride finished"), "\(r.stderr)")

        let quiet = try await deloton(args + ["--database", "sqlite:\(dir)/quiet.sqlite"], environment: ["DELOTON_QUIET": "true"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(quiet.stdout.contains("ingested "), "the result is still printed: \(quiet.stdout)")

        let verbose = try await deloton(args + ["--database", "sqlite:\(dir)/verbose.sqlite", "--verbose"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(verbose.stderr.contains(" debug "), "\(verbose.stderr)")
    }

    @Test("on a terminal a file ingest draws a progress bar with rate and time left; with JSON logs it does not")
    func progressBarOnATerminal() async throws {
        let dir = TestPaths.scratch("console-bar")
        let file = try await capture(dir, rides: 150)
        func ingest(_ database: String, _ environment: String = "") async throws -> ChildProcess {
            // script(1) gives the command a terminal, as a person at a shell has.
            try await ChildProcess.run("/usr/bin/script", ["-qefc", environment + TestPaths.delotonBinary + " ingest --source file:" + file
                                                                + " --no-notify --database sqlite:" + dir + "/" + database, "/dev/null"])
        }
        let bar = "\r\u{1B}[2K["
        let r = try await ingest("w.sqlite")
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains(bar) && r.stdout.contains("readings/s") && r.stdout.contains("ETA"), "\(r.stdout)")
        // The bar is cleared before the summary, which has its line to itself.
        #expect(r.stdout.contains("\u{1B}[2Kingested "), "\(r.stdout)")

        let json = try await ingest("json.sqlite", "DELOTON_LOG_FORMAT=json ")
        #expect(json.status == 0, "\(json.stdout)")
        #expect(!json.stdout.contains(bar), "\(json.stdout)")
    }

    @Test("--verbose and --quiet together are exit 2")
    func verboseAndQuietExclude() async throws {
        let r = try await deloton(["migrate", "--verbose", "--quiet", "--database", "sqlite:" + TestPaths.scratch("console-vq") + "/w.sqlite"])
        #expect(r.status == 2 && r.stderr.contains("--verbose and --quiet"), "\(r.stderr)")
    }
}
