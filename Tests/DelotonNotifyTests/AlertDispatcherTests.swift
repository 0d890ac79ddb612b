import DelotonCore
import DelotonNotify
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// The outbox delivered to a real aiosmtpd on loopback, one per test.
@Suite("AlertDispatcher", .serialized)
struct AlertDispatcherTests {
    let logger = Logger(label: "test.alerts")

    /// Runs a dispatcher for the duration of `body`, then stops it and waits for it.
    private func running<T>(
        _ w: AlertWarehouse, mailer: any Mailer, settings: AlertDispatchSettings = AlertTesting.settings(),
        sql: (any SQLExecutor)? = nil, events: EventLog = EventLog(), logger: Logger? = nil,
        _ body: (AlertDispatcher) async throws -> T
    ) async throws -> T {
        let dispatcher = AlertDispatcher(sql: sql ?? w.sql, mailer: mailer, settings: settings, logger: logger ?? self.logger,
                                         onEvent: { events.add($0) })
        let task = Task { await dispatcher.run() }
        do {
            let result = try await body(dispatcher)
            await dispatcher.stop()
            await task.value
            return result
        } catch {
            task.cancel()
            await task.value
            throw error
        }
    }

    @Test func alertArrivesWithRecipientSubjectAndParts() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            let id = try #require(try await w.alerts([AlertScript.profile(name: "Ms Zoë Ångström", email: "zoe@example.com")]).first)
            let events = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), events: events) { d in
                d.wake()
                #expect(await events.wait { $0.contains { $0.outcome.isSent } })
            }
            let file = try #require(await sink.waitForMessages(count: 1).first)
            let parsed = try await ParsedEmail.parse(file: file)
            #expect(parsed.defects.isEmpty, "\(parsed.defects)")
            #expect(parsed.envelopeRecipients == "zoe@example.com")
            #expect(parsed.to == [.init(name: "Ms Zoë Ångström", address: "zoe@example.com")])
            #expect(parsed.subject.contains("Abnormal heart rate"))
            #expect(parsed.structure == "multipart/alternative(text/plain,text/html)")
            #expect(parsed.parts.first?.text?.contains("195 bpm") == true)

            let row = try #require(try await w.outbox.alert(id: id))
            #expect(row.status == .sent && row.attempts == 1 && row.lastError == nil && row.sentAt != nil)
            #expect(row.messageID.map { "<\($0)>" } == parsed.messageID)
        }
    }

    @Test func alertsWaitWhileTheServerIsDownAndGoExactlyOnceWhenItIsBack() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        await sink.stop()
        try await AlertWarehouse.with { w in
            let profiles = (1...5).map { AlertScript.profile(id: $0, email: "rider\($0)@example.com", bike: "SN000\($0)") }
            let ids = try await w.alerts(profiles)
            #expect(ids.count == 5)
            let events = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), events: events) { d in
                d.wake()
                // Several failed attempts each, recorded as pending with the reason.
                #expect(await events.wait { e in ids.allSatisfy { id in e.filter { $0.alertID == id && $0.outcome.isRetry }.count >= 2 } })
                for id in ids {
                    let row = try #require(try await w.outbox.alert(id: id))
                    #expect(row.status == .pending && row.attempts >= 2)
                    #expect(row.lastError?.contains("cannot connect to the SMTP server 127.0.0.1:\(sink.port)") == true,
                            "\(row.lastError ?? "nil")")
                }
                #expect(sink.messages().isEmpty)
                try await sink.restart()
                #expect(await events.wait { e in ids.allSatisfy { id in e.contains { $0.alertID == id && $0.outcome.isSent } } })
                // Retries keep polling; nothing more may arrive.
                try await Task.sleep(for: .milliseconds(600))
            }
            #expect(sink.messages().count == 5)
            #expect(try await w.outbox.counts() == [.sent: 5, .pending: 0, .failed: 0])

            // A restart finds nothing to send.
            let again = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), events: again) { d in
                d.wake()
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(again.all.isEmpty)
            #expect(sink.messages().count == 5)
            let delivered = try Set(sink.messages().map(AlertTesting.messageID))
            #expect(delivered.count == 5)
        }
    }

    @Test func crashBetweenSendingAndMarkingRepeatsOnceWithTheSameMessageID() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            let id = try #require(try await w.alerts([AlertScript.profile()]).first)
            let lease = Duration.milliseconds(400)
            // The first process: the server accepts, then recording it fails as if the process died.
            let crashing = CrashBeforeMarkingSent(base: w.sql)
            let first = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), settings: AlertTesting.settings(lease: lease),
                              sql: crashing, events: first) { d in
                d.wake()
                #expect(await first.wait { $0.contains { $0.outcome.isSent } })
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await w.outbox.alert(id: id)?.status == .pending)

            // The next process sends it again once the dead one's claim lapses, and records it.
            let second = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), settings: AlertTesting.settings(lease: lease),
                              events: second) { d in
                d.wake()
                #expect(await second.wait { $0.contains { $0.outcome.isSent } })
            }
            // And a third finds nothing to do.
            let third = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), settings: AlertTesting.settings(lease: lease),
                              events: third) { d in
                d.wake()
                try await Task.sleep(for: lease + .milliseconds(600))
            }
            #expect(third.all.isEmpty)

            let files = await sink.waitForMessages(count: 2)
            #expect(files.count == 2)
            let ids = try files.map(AlertTesting.messageID)
            #expect(Set(ids).count == 1)
            let row = try #require(try await w.outbox.alert(id: id))
            #expect(row.status == .sent && row.attempts == 2 && row.messageID == ids.first)
        }
    }

    @Test func riderWithoutAValidAddressGetsNoMailButStaffDo() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            let ids = try await w.alerts([
                AlertScript.profile(id: 1, email: "", bike: "SN0001"),
                AlertScript.profile(id: 2, email: "not an address", bike: "SN0002"),
            ])
            let events = EventLog()
            let staff = [EmailAddress("nurse@example.com")]
            let logs = CollectedLogs()
            try await running(w, mailer: try AlertTesting.smtp(sink), settings: AlertTesting.settings(staff: staff),
                              events: events, logger: logs.logger) { d in
                d.wake()
                #expect(await events.wait { $0.count { if case .staffCopySent = $0.outcome { true } else { false } } == 2 })
            }
            let first = try #require(try await w.outbox.alert(id: ids[0]))
            #expect(first.status == .failed && first.attempts == 1)
            #expect(first.lastError == "rider 1 has no email address on this ride's [SYSTEM] line")
            let second = try #require(try await w.outbox.alert(id: ids[1]))
            #expect(second.status == .failed)
            #expect(second.lastError?.contains("\"not an address\" is not a valid email address") == true)
            // The log says why without repeating the address it refused.
            let logged = logs.text
            #expect(logged.contains("marked failed") && logged.contains("is not a valid email address"), "\(logged)")
            #expect(!logged.contains("not an address") && !logged.contains("nurse@example.com"), "\(logged)")
            let files = sink.messages()
            #expect(files.count == 2)
            for file in files {
                let parsed = try await ParsedEmail.parse(file: file)
                #expect(parsed.envelopeRecipients == "nurse@example.com")
                #expect(parsed.subject.hasPrefix("[Staff copy] Abnormal heart rate"))
            }
            // Failed alerts are never tried again.
            let again = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), events: again) { d in
                d.wake()
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(again.all.isEmpty)
        }
    }

    @Test func permanentRejectionMarksFailedWithTheServersReason() async throws {
        let sink = try await SMTPSink(mode: .rejectRecipient)
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            let id = try #require(try await w.alerts([AlertScript.profile()]).first)
            let events = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), events: events) { d in
                d.wake()
                #expect(await events.wait { $0.contains { $0.outcome.isFailed } })
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(events.count { $0.isFailed } == 1 && events.count { $0.isRetry } == 0)
            let row = try #require(try await w.outbox.alert(id: id))
            #expect(row.status == .failed && row.attempts == 1)
            #expect(row.lastError?.contains("550") == true, "\(row.lastError ?? "nil")")
        }
    }

    @Test func temporaryRejectionIsRetried() async throws {
        let sink = try await SMTPSink(mode: .temporaryFailure)
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            let id = try #require(try await w.alerts([AlertScript.profile()]).first)
            let events = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), events: events) { d in
                d.wake()
                #expect(await events.wait { $0.count { $0.outcome.isRetry } >= 2 })
                #expect(try await w.outbox.alert(id: id)?.lastError?.contains("451") == true)
                try await sink.restart(mode: .accept)
                #expect(await events.wait { $0.contains { $0.outcome.isSent } })
            }
            #expect(try await w.outbox.alert(id: id)?.status == .sent)
            #expect(sink.messages().count == 1)
        }
    }

    @Test func aRejectedStaffAddressDoesNotHoldUpTheRider() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        // A mailer that refuses one staff address permanently, as a relay would with 550.
        struct PickyMailer: Mailer {
            let base: any Mailer
            func send(_ message: EmailMessage) async throws(MailError) {
                if message.to.contains(where: { $0.address == "gone@example.com" }) {
                    throw .rejected(code: 550, reason: "550 5.1.1 gone@example.com: mailbox unavailable")
                }
                try await base.send(message)
            }
        }
        try await AlertWarehouse.with { w in
            let id = try #require(try await w.alerts([AlertScript.profile()]).first)
            let events = EventLog()
            let staff = [EmailAddress("gone@example.com"), EmailAddress("nurse@example.com")]
            try await running(w, mailer: PickyMailer(base: try AlertTesting.smtp(sink)),
                              settings: AlertTesting.settings(staff: staff), events: events) { d in
                d.wake()
                #expect(await events.wait { e in
                    e.contains { if case .staffCopySent = $0.outcome { true } else { false } }
                        && e.contains { if case .staffCopyFailed = $0.outcome { true } else { false } }
                })
            }
            #expect(try await w.outbox.alert(id: id)?.status == .sent)
            var recipients: [String] = []
            for file in sink.messages() { recipients.append(try await ParsedEmail.parse(file: file).envelopeRecipients ?? "") }
            recipients.sort()
            #expect(recipients == ["nurse@example.com", "rider@example.com"])
        }
    }

    @Test func twoDispatchersNeverSendTheSameAlert() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            let profiles = (1...30).map { AlertScript.profile(id: $0, email: "r\($0)@example.com", bike: "B\($0)") }
            let ids = try await w.alerts(profiles)
            let a = EventLog(), b = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), events: a) { d1 in
                try await running(w, mailer: try AlertTesting.smtp(sink), events: b) { d2 in
                    d1.wake(); d2.wake()
                    #expect(await a.wait { _ in a.count { $0.isSent } + b.count { $0.isSent } >= ids.count })
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
            #expect(a.count { $0.isSent } + b.count { $0.isSent } == ids.count)
            let files = await sink.waitForMessages(count: ids.count)
            #expect(files.count == ids.count)
            #expect(try Set(files.map(AlertTesting.messageID)).count == ids.count)
        }
    }

    @Test func wakeDeliversWithoutWaitingForThePoll() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            var settings = AlertTesting.settings()
            settings.pollInterval = .seconds(60)
            let events = EventLog()
            try await running(w, mailer: try AlertTesting.smtp(sink), settings: settings, events: events) { d in
                try await Task.sleep(for: .milliseconds(100))  // the first pass found nothing; now it sleeps
                let committed = ContinuousClock.now
                _ = try await w.alerts([AlertScript.profile()])
                d.wake()
                #expect(await events.wait(timeout: .seconds(5)) { $0.contains { $0.outcome.isSent } })
                let sent = try #require(events.all.first { $0.outcome.isSent }).at
                #expect(sent - committed < .seconds(2))
            }
        }
    }

    @Test func outboxFolderGetsOneFilePerAlert() async throws {
        try await AlertWarehouse.with { w in
            let folder = URL(fileURLWithPath: w.folder + "/outbox")
            _ = try await w.alerts([AlertScript.profile(id: 1, bike: "A"), AlertScript.profile(id: 2, bike: "B")])
            let events = EventLog()
            try await running(w, mailer: OutboxMailer(directory: folder), events: events) { d in
                await d.finish()
                #expect(await events.wait { $0.count { $0.outcome.isSent } == 2 })
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }
            #expect(files.count == 2)
            #expect(files.allSatisfy { $0.hasPrefix("alert-") })
            #expect(try await w.outbox.counts()[.sent] == 2)
        }
    }

    @Test func finishDeliversWhatIsDueThenReturns() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            _ = try await w.alerts((1...3).map { AlertScript.profile(id: $0, bike: "F\($0)") })
            let dispatcher = AlertDispatcher(sql: w.sql, mailer: try AlertTesting.smtp(sink),
                                             settings: AlertTesting.settings(), logger: logger)
            await dispatcher.finish()
            await dispatcher.run()
            #expect(try await w.outbox.counts()[.sent] == 3)
            #expect(sink.messages().count == 3)
        }
    }
}

/// Every message and metadata value logged through `logger`, for tests about what logs say.
final class CollectedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    var logger: Logger {
        Logger(label: "test.collected") { _ in Handler(sink: self) }
    }

    fileprivate func add(_ line: String) { lock.withLock { lines.append(line) } }

    private struct Handler: LogHandler {
        let sink: CollectedLogs
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            sink.add(([event.message.description] + fields).joined(separator: " "))
        }
    }
}
