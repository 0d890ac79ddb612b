import DelotonTestSupport
import Foundation
import Testing

/// `--log-format json` on the real binary: what a log collector reading the container's
/// output receives.
@Suite struct LogFormatTests {
    @Test("with --log-format json every line the process prints is one JSON object")
    func everyLineIsJSON() async throws {
        let dir = TestPaths.scratch("log-json")
        let file = dir + "/s.jsonl"
        let sim = try await ChildProcess.run(TestPaths.delotonBinary, ["simulate", "--to", "file:" + file, "--rides", "3",
                                                                       "--speed", "0", "--seed", "4"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let r = try await ChildProcess.run(TestPaths.delotonBinary, ["ingest", "--source", "file:" + file, "--database",
                                                                     "sqlite:\(dir)/w.sqlite", "--outbox", dir + "/outbox"],
                                           environment: ["DELOTON_LOG_FORMAT": "json", "DELOTON_LOG_LEVEL": "debug"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = (r.stdout + r.stderr).split(separator: "\n")
        #expect(lines.count >= 2, "\(r.stdout)\(r.stderr)")
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] is String && object?["message"] is String && object?["time"] is String, "\(line)")
        }
        #expect(r.stdout.contains("ingested") && r.stdout.contains("\"level\":\"info\""))
        // Simulated riders have example.com addresses; none reaches the log.
        #expect(!(r.stdout + r.stderr).contains("@example."))
    }

    @Test("an unknown --log-format is exit 2")
    func unknownFormatIsExitTwo() async throws {
        let r = try await ChildProcess.run(TestPaths.delotonBinary, ["migrate", "--log-format", "xml", "--database",
                                                                     "sqlite:" + TestPaths.scratch("log-xml") + "/w.sqlite"])
        #expect(r.status == 2 && r.stderr.contains("--log-format"), "\(r.stderr)")
    }
}
