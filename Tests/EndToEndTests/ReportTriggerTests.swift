import DelotonTestSupport
import Foundation
import Testing

/// `report --send` as EventBridge Scheduler starts it, at least once per day: the real binary
/// and a real SMTP server.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ReportTriggerTests {
    func send(_ day: String, sink: SMTPSink, db: String, dir: String, extra: [String] = []) -> [String] {
        ["report", "--send", "--date", day, "--report-to", "ops@example.com", "--smtp", sink.url, "--database", db,
         "--out", dir + "/" + UUID().uuidString] + extra
    }

    /// Messages received for `day` (the report carries its date in a header).
    func mails(_ sink: SMTPSink, day: String) -> Int {
        sink.messages().filter { url in
            ((try? String(contentsOf: url, encoding: .utf8)) ?? "").contains("X-Deloton-Report-Date: \(day)")
        }.count
    }

    @Test("two triggers for one day send one mail and both exit 0; --force sends again")
    func secondTriggerSendsNothing() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let dir = TestPaths.scratch("trigger")
        let db = try await MigratedWarehouse.sqlite(dir + "/w.sqlite")
        let first = try await KafkaChild.run(send("2026-06-01", sink: sink, db: db, dir: dir))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("report for 2026-06-01 sent to 1 recipient(s)"), "\(first.stdout)")
        let second = try await KafkaChild.run(send("2026-06-01", sink: sink, db: db, dir: dir))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("already sent; nothing sent"), "\(second.stdout)")
        #expect(mails(sink, day: "2026-06-01") == 1)

        let forced = try await KafkaChild.run(send("2026-06-01", sink: sink, db: db, dir: dir, extra: ["--force"]))
        #expect(forced.status == 0, "\(forced.stderr)")
        _ = await sink.waitForMessages(count: 2)
        #expect(mails(sink, day: "2026-06-01") == 2)
    }

    @Test("two triggers at the same moment send one mail")
    func concurrentTriggersSendOnce() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let dir = TestPaths.scratch("trigger-race"), db = "sqlite:\(dir)/w.sqlite"
        // The schema first, so the two do not also race to create it.
        #expect(try await KafkaChild.run(["migrate", "--database", db]).status == 0)
        let a = try KafkaChild(send("2026-06-02", sink: sink, db: db, dir: dir))
        let b = try KafkaChild(send("2026-06-02", sink: sink, db: db, dir: dir))
        let statusA = await a.wait(limit: .seconds(120)), statusB = await b.wait(limit: .seconds(120))
        #expect(statusA == 0, "\(a.stderr)")
        #expect(statusB == 0, "\(b.stderr)")
        #expect([a.stdout, b.stdout].filter { $0.contains("already sent") }.count == 1, "\(a.stdout)\n\(b.stdout)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(mails(sink, day: "2026-06-02") == 1)
    }

    @Test("a relay that refuses for a while is retried within --retry-for, then the report goes once")
    func transientFailureIsRetried() async throws {
        let sink = try await SMTPSink(mode: .temporaryFailure)
        defer { sink.shutdown() }
        let dir = TestPaths.scratch("trigger-retry")
        let db = try await MigratedWarehouse.sqlite(dir + "/w.sqlite")
        let child = try KafkaChild(send("2026-06-03", sink: sink, db: db, dir: dir, extra: ["--retry-for", "60"]))
        #expect(await child.waitForLog("retrying in"), "\(child.stderr)")
        try await sink.restart(mode: .accept)
        #expect(await child.wait(limit: .seconds(90)) == 0, "\(child.stderr)")
        #expect(mails(sink, day: "2026-06-03") == 1)

        // Past its deadline the trigger fails (exit 1) and leaves the day unsent for the next one.
        try await sink.restart(mode: .temporaryFailure)
        let late = try await KafkaChild.run(send("2026-06-04", sink: sink, db: db, dir: dir, extra: ["--retry-for", "3"]))
        #expect(late.status == 1, "\(late.stderr)")
        try await sink.restart(mode: .accept)
        let again = try await KafkaChild.run(send("2026-06-04", sink: sink, db: db, dir: dir))
        #expect(again.status == 0 && again.stdout.contains("sent to 1 recipient(s)"), "\(again.stdout) \(again.stderr)")
    }

    @Test("--force without --send is exit 2")
    func forceNeedsSend() async throws {
        let dir = TestPaths.scratch("trigger-usage")
        let r = try await KafkaChild.run(["report", "--force", "--database", "sqlite:\(dir)/w.sqlite"])
        #expect(r.status == 2 && r.stderr.contains("--force"), "\(r.stderr)")
    }
}
