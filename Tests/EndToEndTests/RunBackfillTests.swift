import DelotonTestSupport
import Foundation
import Testing

/// A first `deloton run` shows a week of rides at once, and mails nobody about them; a
/// `simulate --rides N` is history that ends now, made as fast as possible.
@Suite(.serialized) struct RunBackfillTests {
    struct Started {
        let child: KafkaChild
        let port: Int
        let key: String
        let startedMs: Int64
    }

    func start(_ dir: String, smtp: SMTPSink, extra: [String] = []) async throws -> Started {
        let db = dir + "/w.sqlite"
        // A read key first, as a user of the API would have: the warehouse exists (only run, ingest
        // and migrate create one) and still has no rides.
        let migrated = try await KafkaChild.run(["migrate", "--database", "sqlite:" + db])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let created = try await KafkaChild.run(["keys", "create", "--name", "backfill", "--scope", "read", "--database", "sqlite:" + db])
        #expect(created.status == 0, "\(created.stderr)")
        let port = try SpawnedServer.freePort()
        let startedMs = Int64(Date().timeIntervalSince1970 * 1000)
        let child = try KafkaChild(["run", "--database", "sqlite:" + db, "--smtp", smtp.url, "--outbox", dir + "/outbox",
                                    "--report-dir", dir + "/reports", "--port", String(port)] + extra)
        return Started(child: child, port: port, key: created.stdout.trimmingCharacters(in: .whitespacesAndNewlines), startedMs: startedMs)
    }

    /// Start times (ms) of the rides `/api/recent` shows for the last 7 days.
    func recentStarts(_ s: Started) async throws -> [Int64]? {
        let r = try await ChildProcess.run("/usr/bin/curl", ["-sf", "--max-time", "10", "-H", "Authorization: Bearer \(s.key)",
                                                             "http://127.0.0.1:\(s.port)/api/recent?hours=168"])
        guard r.status == 0, let object = try? JSONSerialization.jsonObject(with: r.output) as? [String: Any],
              let rides = object["rides"] as? [[Any]] else { return nil }
        return rides.compactMap { ($0.count > 4 ? $0[4] : nil) as? NSNumber }.map(\.int64Value)
    }

    /// Yesterday's ride count from `deloton report`'s JSON.
    func yesterdaysRides(_ dir: String) async throws -> Int? {
        let r = try await KafkaChild.run(["report", "--database", "sqlite:\(dir)/w.sqlite", "--out", dir + "/yesterday"])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/yesterday/report.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["ride_count"] as? Int
    }

    func stop(_ child: KafkaChild) async {
        child.signal(SIGTERM)
        #expect(await child.wait(limit: .seconds(30)) == 0, "\(child.stderr)")
    }

    @Test func aNewWarehouseGetsAWeekOfHistoryWithoutMailingAnyone() async throws {
        let dir = TestPaths.scratch("backfill-on"), db = dir + "/w.sqlite"
        let smtp = try await SMTPSink()
        defer { smtp.shutdown() }
        let s = try await start(dir, smtp: smtp)
        defer { s.child.signal(SIGKILL) }
        // Generous on a loaded machine: it takes seconds when the machine is quiet.
        #expect(await s.child.waitForLog("back-filled", inStdout: true, limit: .seconds(240)), "\(s.child.stdout)\n\(s.child.stderr)")
        if let line = s.child.stdout.split(separator: "\n").first(where: { $0.hasPrefix("back-filled") }) { print(line) }

        let starts = try #require(try await recentStarts(s), "/api/recent did not answer: \(s.child.stderr)")
        let dayMs: Int64 = 86_400_000
        #expect(starts.filter { $0 < s.startedMs - dayMs }.count > 50, "\(starts.count) rides in the API's last 7 days")
        #expect(starts.allSatisfy { $0 >= s.startedMs - 7 * dayMs - 60_000 }, "a ride older than the 7 days asked for")
        // Let the dispatcher run over what it has before stopping.
        try await Task.sleep(for: .seconds(3))
        await stop(s.child)

        #expect((try await yesterdaysRides(dir) ?? 0) > 10, "yesterday's report has no rides")
        // The history has alerts, all recorded as not mailed; only live ones (if any yet) went out.
        let startedUs = s.startedMs * 1000
        let historical = try await KafkaWarehouseDump.query(db, """
            SELECT status || '|' || coalesce(last_error, '') FROM alerts a JOIN rides r ON r.id = a.ride_id
            WHERE a.raised_at < \(startedUs)
            """)
        #expect(historical.count > 3, "a week of rides raised \(historical.count) alerts")
        #expect(historical.allSatisfy { $0.hasPrefix("failed|not mailed: back-filled history") }, "\(Set(historical))")
        let sent = try await KafkaWarehouseDump.query(db, "SELECT count(*) FROM alerts WHERE status = 'sent'").first.flatMap { Int($0) } ?? -1
        #expect(smtp.messages().count == sent, "the sink holds \(smtp.messages().count) messages, \(sent) live alerts were sent")
    }

    @Test func backfillOffStartsEmpty() async throws {
        let dir = TestPaths.scratch("backfill-off")
        let smtp = try await SMTPSink()
        defer { smtp.shutdown() }
        let s = try await start(dir, smtp: smtp, extra: ["--backfill-days", "0"])
        defer { s.child.signal(SIGKILL) }
        #expect(await s.child.waitForLog("API and live dashboard", inStdout: true, limit: .seconds(60)), "\(s.child.stderr)")
        // The first live readings are in: the API answers with the rides under way, none older.
        var starts: [Int64] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while starts.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            starts = try await recentStarts(s) ?? []
        }
        #expect(!starts.isEmpty, "no live ride within a minute: \(s.child.stderr)")
        #expect(starts.allSatisfy { $0 >= s.startedMs - 60_000 }, "rides from before the start: \(starts)")
        #expect(!s.child.stdout.contains("back-fill"))
        await stop(s.child)
        #expect(try await yesterdaysRides(dir) == 0)
    }

    @Test func simulateWithRidesEndsNowAsFastAsItCan() async throws {
        let dir = TestPaths.scratch("simulate-now"), file = dir + "/s.jsonl"
        let before = Date()
        // No --speed: a set number of rides is made as fast as possible, not in 30 minutes of real time.
        let r = try await KafkaChild.run(["simulate", "--to", "file:" + file, "--rides", "12", "--bikes", "3", "--seed", "4"],
                                         limit: .seconds(60))
        #expect(r.status == 0, "\(r.stderr)")
        // The last line's wall time (Europe/London, the default stream zone) is not after now.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let stamps = text.matches(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}/).map { String(text[$0.range]) }
        // Wall times in one format compare as text.
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
        format.timeZone = TimeZone(identifier: "Europe/London")
        let last = try #require(stamps.max())
        #expect(stamps.count > 1000)
        #expect(last <= format.string(from: Date()), "a line in the future: \(last)")
        #expect(last > format.string(from: before.addingTimeInterval(-60)), "the rides end now, not at \(last)")
    }
}
