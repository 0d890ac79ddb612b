import DelotonTestSupport
import Foundation
import Testing

/// `--readings-retention` as a user runs it: long-running ingest purges the readings of old rides
/// and keeps the rides; retention settings are checked before any work.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RetentionCommandTests {
    @Test("ingest --readings-retention purges the readings of rides older than the retention, and keeps the rides")
    func ingestPurgesOldReadings() async throws {
        let dir = TestPaths.scratch("retention-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let database = "sqlite:" + dir + "/w.sqlite"
        // The sample's ride is from July 2022: far older than a day.
        let first = try await KafkaChild.run(["ingest", "--source", "file:" + TestPaths.realSample, "--no-notify", "--database", database])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try await count("readings", dir) == 498)

        // Following a new, empty file: the purge runs at start, then once an hour.
        FileManager.default.createFile(atPath: dir + "/live.jsonl", contents: nil)
        let ingest = try KafkaChild(["ingest", "--source", "file:" + dir + "/live.jsonl", "--follow", "--no-notify",
                                     "--readings-retention", "1d", "--database", database])
        defer { ingest.signal(SIGKILL) }
        #expect(await ingest.waitForLog("purged 498 reading(s) of rides older than 1 days"), "\(ingest.stderr)")
        ingest.signal(SIGTERM)
        #expect(await ingest.wait(limit: .seconds(10)) == 0, "\(ingest.stderr)")
        #expect(try await count("readings", dir) == 0)
        #expect(try await count("rides", dir) == 1)
    }

    @Test("a retention that is not a number of days is a usage error, before any work")
    func badRetentionIsAUsageError() async throws {
        let database = "sqlite:" + TestPaths.scratch("retention-bad") + "/w.sqlite"
        for (arguments, environment, says) in [
            (["--readings-retention", "400"], [:], "--readings-retention 400 is not a retention"),
            (["--readings-retention", "0d"], [:], "--readings-retention 0d is not a retention"),
            ([], ["DELOTON_READINGS_RETENTION": "a year"], "--readings-retention a year is not a retention"),
            ([], ["DELOTON_QUARANTINE_RETENTION_DAYS": "thirty"], "DELOTON_QUARANTINE_RETENTION_DAYS thirty is not a number of days"),
        ] {
            let r = try await KafkaChild.run(["ingest", "--source", "file:" + TestPaths.realSample, "--database", database] + arguments,
                                             environment: environment)
            #expect(r.status == 2, "\(arguments) \(environment): \(r.stderr)")
            #expect(r.stderr.contains(says), "\(r.stderr)")
        }
    }

    func count(_ table: String, _ dir: String) async throws -> Int {
        let r = try await ChildProcess.run("sqlite3", [dir + "/w.sqlite", "SELECT count(*) FROM \(table)"])
        return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
