import DelotonCore
import DelotonNotify
import Foundation

/// Mails a day's report: multipart/related HTML with the charts inline, a plain-text
/// alternative, and the PDF attached.
public enum ReportMailer {
    /// The id a day's scheduled report always carries, so a report repeated after a crash (sent,
    /// then the process died before recording it) is recognisably the same message.
    public static func scheduledMessageID(for day: CivilDate) -> String { "daily-report-\(day)@deloton" }

    /// Parses the recipients setting: comma-separated addresses, at least one, all valid.
    public static func recipients(_ list: [String]) throws(ReportError) -> [EmailAddress] {
        let addresses = list.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !addresses.isEmpty else {
            throw .recipients("no recipient for the report: give \(flag: .reportRecipients) a@example.com[,b@example.com] or set \(variable: .reportRecipients)")
        }
        if let bad = addresses.first(where: { !EmailAddress.isValid($0) }) {
            throw .recipients("\(flag: .reportRecipients) \"\(bad)\" is not an email address: write name@example.com, comma-separated for several")
        }
        return addresses.map { EmailAddress($0) }
    }

    public static func message(_ report: DailyReport, documents: ReportDocuments, from: EmailAddress,
                               to: [EmailAddress], messageID: String? = nil, date: Date = Date()) -> EmailMessage {
        let subject = report.isEmpty
            ? "deloton daily report \(report.date): no rides"
            : "deloton daily report \(report.date): \(ReportNumber.format(report.figures.rideCount)) rides, "
                + "\(ReportNumber.format(report.figures.alertCount)) alert\(report.figures.alertCount == 1 ? "" : "s")"
        return EmailMessage(
            from: from, to: to, subject: subject, date: date,
            messageID: messageID ?? scheduledMessageID(for: report.date),
            extraHeaders: [EmailMessage.Header("X-Deloton-Report-Date", report.date.description)],
            textBody: documents.text, htmlBody: documents.emailHTML,
            inlineImages: documents.images.map {
                EmailMessage.InlineImage(contentID: $0.contentID, mimeType: "image/png", data: $0.png, filename: $0.fileName)
            },
            attachments: [EmailMessage.Attachment(filename: "deloton-report-\(report.date).pdf", mimeType: "application/pdf",
                                                  data: documents.pdf)])
    }

    /// Sends the report; returns the message as sent.
    @discardableResult
    public static func send(_ report: DailyReport, documents: ReportDocuments, mailer: any Mailer, from: EmailAddress,
                            to: [EmailAddress], messageID: String? = nil, date: Date = Date()) async throws(ReportError) -> EmailMessage {
        let message = message(report, documents: documents, from: from, to: to, messageID: messageID, date: date)
        do {
            try await mailer.send(message)
        } catch {
            throw .delivery(error)
        }
        return message
    }
}
