import DelotonCore
import DelotonNotify
import DelotonReport
import DelotonTestSupport
import Foundation
import Testing

/// The report mailed through a real SMTP server started by the test.
@Suite struct ReportMailTests {
    @Test func reportArrivesWithInlineChartsAndThePDF() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let report = try await ReportDocumentTests.report()
        let documents = try ReportRenderer.render(report)
        let mailer = SMTPMailer(settings: try SMTPSettings(url: sink.url))
        let to = try ReportMailer.recipients(["ops@example.com, boss@example.com"])
        try await ReportMailer.send(report, documents: documents, mailer: mailer,
                                    from: EmailAddress("alerts@deloton.local"), to: to)

        let files = await sink.waitForMessages(count: 1)
        try #require(files.count == 1)
        let raw = try String(contentsOf: files[0], encoding: .utf8)
        #expect(raw.contains("X-RcptTo: ops@example.com") || raw.contains("ops@example.com"))
        #expect(raw.contains("boss@example.com"))

        // Let Python's email package take the message apart, as a mail reader would.
        let parts = try await Self.parse(files[0])
        #expect(parts.contains { $0.hasPrefix("multipart/related") })
        let images = parts.filter { $0.hasPrefix("image/png") }
        #expect(images.count == 6)
        for image in documents.images {
            #expect(images.contains { $0.contains("<\(image.contentID)>") && $0.hasSuffix(" \(image.png.count)") },
                    "inline part for \(image.fileName) missing or damaged")
        }
        #expect(parts.contains { $0.hasPrefix("application/pdf") && $0.contains("attachment") && $0.hasSuffix(" \(documents.pdf.count)") })
        let html = try #require(parts.first { $0.hasPrefix("text/html") })
        #expect(html.contains("cid-refs-ok"))
    }

    @Test func recipientsAreChecked() {
        let none = #expect(throws: ReportError.self) { try ReportMailer.recipients([]) }
        #expect(none?.setting == .reportRecipients)
        #expect(throws: ReportError.self) { try ReportMailer.recipients(["ops@example.com,not an address"]) }
        #expect((try? ReportMailer.recipients([" a@example.com ,b@example.com,"]))?.map(\.address) == ["a@example.com", "b@example.com"])
    }

    /// One line per MIME part: content type, disposition, Content-ID and decoded size; the HTML
    /// part says whether every `cid:` it references is a part of the message.
    static func parse(_ file: URL) async throws -> [String] {
        let script = """
            import email, sys, re
            from email import policy
            raw = open(sys.argv[1], 'rb').read()
            msg = email.message_from_bytes(raw, policy=policy.default)
            ids = set()
            for p in msg.walk():
                if p.get('Content-ID'): ids.add(p.get('Content-ID').strip('<>'))
            for p in msg.walk():
                ct = p.get_content_type()
                if p.is_multipart():
                    print(ct); continue
                body = p.get_payload(decode=True) or b''
                extra = ''
                if ct == 'text/html':
                    refs = set(re.findall(r'src="cid:([^"]+)"', body.decode('utf-8')))
                    extra = ' cid-refs-ok' if refs and refs <= ids else ' cid-refs-broken'
                print(f"{ct} {p.get_content_disposition()} {p.get('Content-ID')}{extra} {len(body)}")
            """
        let child = try await ChildProcess.run("/usr/bin/python3", ["-c", script, file.path])
        return child.stdout.split(separator: "\n").map(String.init)
    }
}
