import DelotonCore
import DelotonNotify
import DelotonTestSupport
import Foundation
import Testing

/// Against a real aiosmtpd on loopback, one per test.
@Suite("SMTPMailer", .serialized)
struct SMTPMailerTests {
    private func mailer(_ sink: SMTPSink, timeout: Duration = .seconds(10)) throws -> SMTPMailer {
        var settings = try SMTPSettings(url: sink.url)
        settings.timeout = timeout
        return SMTPMailer(settings: settings)
    }

    @Test func fullMessageArrivesIntact() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let message = SampleMessages.report(to: ["staff@example.com", "ops@example.com"])
        try await mailer(sink).send(message)

        let files = await sink.waitForMessages(count: 1)
        #expect(files.count == 1)
        let stored = try [UInt8](Data(contentsOf: try #require(files.first)))
        // Byte for byte what was rendered, after the sink's three envelope lines.
        #expect(Array(stored.suffix(message.rfc5322().count)) == message.rfc5322())

        let parsed = try await ParsedEmail.parse(stored)
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.envelopeRecipients == "staff@example.com, ops@example.com, boss@example.com, archive@example.com")
        #expect(parsed.to.map(\.address) == ["staff@example.com", "ops@example.com"])
        #expect(parsed.subject == "Daily report 2022-07-25")
        #expect(parsed.structure == "multipart/mixed(multipart/related(multipart/alternative(text/plain,text/html),image/png),application/pdf)")
        #expect(parsed.parts.first { $0.type == "image/png" }?.sha256 == SampleMessages.png.sha256Hex)
        #expect(parsed.parts.first { $0.type == "application/pdf" }?.sha256 == SampleMessages.pdf.sha256Hex)
    }

    @Test func nonAsciiDisplayNameAndSubjectArrive() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let message = SampleMessages.alert()
        try await mailer(sink).send(message)
        let file = try #require(await sink.waitForMessages(count: 1).first)
        let parsed = try await ParsedEmail.parse(file: file)
        #expect(parsed.to == [.init(name: "Zoë Ångström-Łukasiewicz, Ph.D.", address: "zoe@example.com")])
        #expect(parsed.subject == message.subject)
        #expect(parsed.subject.lowercased().contains("abnormal heart rate"))
        // The lone "." line survives SMTP's end-of-data convention.
        #expect(parsed.parts.first?.text?.contains("\n.\n") == true)
    }

    @Test func rejectedRecipientIsPermanent() async throws {
        let sink = try await SMTPSink(mode: .rejectRecipient)
        defer { sink.shutdown() }
        let error = await #expect(throws: MailError.self) { try await mailer(sink).send(SampleMessages.alert()) }
        #expect(error?.isTransient == false)
        #expect(error?.smtpCode == 550)
        #expect(error?.setting == nil, "a refused recipient is no setting's fault")
        #expect(error?.reason.contains("550 5.1.1 mailbox unavailable") == true, "\(String(describing: error))")
    }

    @Test func rejectedDataIsPermanent() async throws {
        let sink = try await SMTPSink(mode: .rejectData)
        defer { sink.shutdown() }
        let error = await #expect(throws: MailError.self) { try await mailer(sink).send(SampleMessages.alert()) }
        #expect(error?.isTransient == false)
        #expect(error?.smtpCode == 554)
    }

    @Test(arguments: [SMTPSink.Mode.temporaryFailure, .temporaryRecipientFailure])
    func temporaryFailureIsTransient(mode: SMTPSink.Mode) async throws {
        let sink = try await SMTPSink(mode: mode)
        defer { sink.shutdown() }
        let error = await #expect(throws: MailError.self) { try await mailer(sink).send(SampleMessages.alert()) }
        #expect(error?.isTransient == true)
        #expect([451, 450].contains(error?.smtpCode ?? 0))
        #expect(error?.reason.contains("try again later") == true, "\(String(describing: error))")
    }

    @Test func nobodyListeningIsTransient() async throws {
        let sink = try await SMTPSink()
        let mailer = try mailer(sink)
        sink.shutdown()
        let error = await #expect(throws: MailError.self) { try await mailer.send(SampleMessages.alert()) }
        #expect(error?.isTransient == true)
        #expect(error?.reason.contains("127.0.0.1:\(sink.port)") == true, "\(String(describing: error))")
        // The relay's URL is the setting to check, named by the host, not by the library.
        #expect(error?.setting == .smtp, "\(String(describing: error))")
    }

    @Test func serverThatHangsTimesOutAsTransient() async throws {
        let sink = try await SMTPSink(mode: .hang)
        defer { sink.shutdown() }
        let started = ContinuousClock.now
        let error = await #expect(throws: MailError.self) {
            try await mailer(sink, timeout: .milliseconds(800)).send(SampleMessages.alert())
        }
        #expect(error?.isTransient == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func cancellingATaskAbortsItsTransfer() async throws {
        let sink = try await SMTPSink(mode: .hang)
        defer { sink.shutdown() }
        let mailer = try mailer(sink, timeout: .seconds(30))
        let task = Task { try await mailer.send(SampleMessages.alert()) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        task.cancel()
        let result = await task.result
        // Far below the 30 s transfer timeout; libcurl asks about cancellation about once a second,
        // and the whole suite loads both cores.
        #expect(ContinuousClock.now - started < .seconds(10))
        guard case .failure(let failure) = result, let error = failure as? MailError else {
            Issue.record("expected a MailError, got \(result)")
            return
        }
        #expect(error.isTransient)
        #expect(error.reason.contains("cancelled"))
    }

    @Test func invalidAddressesArePermanentWithoutTouchingTheServer() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let mailer = try mailer(sink)
        for to in ["jack@example", "", "not an address"] {
            let error = await #expect(throws: MailError.self) { try await mailer.send(SampleMessages.alert(to: to)) }
            #expect(error?.isTransient == false)
            #expect(error?.reason.contains("recipient address") == true)
        }
        var noRecipient = SampleMessages.alert()
        noRecipient.to = []
        let error = await #expect(throws: MailError.self) { try await mailer.send(noRecipient) }
        #expect(error?.reason.contains("no recipient") == true)
        #expect(sink.messages().isEmpty)
    }

    @Test func recoversAfterTheServerRestartsOnTheSamePort() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let mailer = try mailer(sink)
        try await mailer.send(SampleMessages.alert(id: "a@deloton"))
        try await sink.restart(mode: .temporaryFailure)
        let error = await #expect(throws: MailError.self) { try await mailer.send(SampleMessages.alert(id: "b@deloton")) }
        #expect(error?.isTransient == true)
        try await sink.restart(mode: .accept)
        try await mailer.send(SampleMessages.alert(id: "b@deloton"))
        #expect(await sink.waitForMessages(count: 2).count == 2)
    }

    @Test func aFailedTransactionDoesNotSpoilTheNextOne() async throws {
        let sink = try await SMTPSink(mode: .rejectRecipient)
        defer { sink.shutdown() }
        // One thread, so the second send reuses the handle (and connection) of the first.
        let mailer = SMTPMailer(settings: try SMTPSettings(url: sink.url), concurrency: 1)
        await #expect(throws: MailError.self) { try await mailer.send(SampleMessages.alert(id: "x@deloton")) }
        try await sink.restart(mode: .accept)
        await #expect(throws: MailError.self) { try await mailer.send(SampleMessages.alert(to: "bad@")) }
        try await mailer.send(SampleMessages.alert(id: "y@deloton"))
        try await mailer.send(SampleMessages.alert(id: "z@deloton"))
        #expect(await sink.waitForMessages(count: 2).count == 2)
    }

    @Test func severalPendingAlertsGoOutConcurrentlyWithinASecond() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let mailer = try mailer(sink)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask { try await mailer.send(SampleMessages.alert(id: "ride-\(index)@deloton")) }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        // Well inside the second the alert rule allows, with room for a loaded CI machine.
        #expect(elapsed < .seconds(3), "12 alerts took \(elapsed)")
        #expect(await sink.waitForMessages(count: 12).count == 12)
    }
}
