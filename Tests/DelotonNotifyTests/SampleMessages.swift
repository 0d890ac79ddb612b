import DelotonNotify
import Foundation

/// Messages shaped like the ones deloton sends, with the awkward parts that break naive
/// encoders: non-ASCII names, long lines, trailing spaces, lone dots, binary data.
enum SampleMessages {
    static let date = Date(timeIntervalSince1970: 1_658_765_552)  // 2022-07-25 16:12:32 UTC

    /// A small but real PNG header followed by every byte value, so base64 is exercised fully.
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0...255).map { UInt8($0) } + Array(repeating: 0, count: 700)
    static let pdf: [UInt8] = Array("%PDF-1.4\n".utf8) + (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } + Array("\n%%EOF\n".utf8)

    static let longLine = String(repeating: "Heart rate 190 bpm above the safe maximum; ", count: 6)
    static let text = """
        Dear Zoë Ångström,

        Abnormal heart rate during ride 17 at 16:12:32 (safe range 52–171 bpm).
        \(longLine)
        .
        A line with trailing spaces   
        Readings: 190, 192, 195 — please rest.
        """

    static func alert(id: String = "ride-17.alert@deloton.local", to: String = "zoe@example.com") -> EmailMessage {
        EmailMessage(
            from: EmailAddress("alerts@deloton.local", displayName: "Deloton Alerts"),
            to: [EmailAddress(to, displayName: "Zoë Ångström-Łukasiewicz, Ph.D.")],
            subject: "Abnormal heart rate during your ride 17 — Zoë, please take a break from cycling now",
            date: date,
            messageID: id,
            extraHeaders: [.init("X-Deloton-Ride", "17")],
            textBody: text)
    }

    static func report(id: String = "report-2022-07-25@deloton.local", to: [String] = ["staff@example.com"]) -> EmailMessage {
        EmailMessage(
            from: EmailAddress("reports@deloton.local", displayName: "Deloton"),
            to: to.map { EmailAddress($0, displayName: "Équipe \"Ops\"") },
            cc: [EmailAddress("boss@example.com")],
            bcc: [EmailAddress("archive@example.com")],
            subject: "Daily report 2022-07-25",
            date: date,
            messageID: "<\(id)>",
            textBody: "Report for 2022-07-25: 41 rides.\n",
            htmlBody: """
                <html><body><h1>Daily report – 25 July</h1>
                <p>\(longLine)</p>
                <img src="cid:hr-chart@deloton" alt="chart"></body></html>
                """,
            inlineImages: [.init(contentID: "hr-chart@deloton", mimeType: "image/png", data: png, filename: "hr.png")],
            attachments: [.init(filename: "report-2022-07-25.pdf", mimeType: "application/pdf", data: pdf)])
    }
}
