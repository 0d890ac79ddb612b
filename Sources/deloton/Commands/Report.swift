import ArgumentParser
import DelotonCore
import DelotonNotify
import DelotonReport
import DelotonStore
import Foundation
import Logging

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the daily report for a day (default yesterday); --send emails it.",
        discussion: """
            Writes report.html, report.pdf, report.json and the chart images into --out. With --send the \
            report is mailed to --report-to through --smtp, or written as an .eml file to --outbox, and \
            recorded so that `deloton schedule` does not send the same day again.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "The local day, YYYY-MM-DD (default: yesterday in --timezone)")
    var date: String?

    @Option(help: "Folder for the report's files (default ./reports/DATE)")
    var out: String?

    @Flag(help: "Email the report to --report-to")
    var send = false

    @Option(help: "Report recipients, comma-separated [DELOTON_REPORT_TO]")
    var reportTo: String?

    @OptionGroup(title: "Mail") var mail: MailOptions

    func run() async throws {
        let logger = try common.logger("deloton.report")
        let zone = try common.displayZone()
        let day = try Self.day(date, zone: zone)
        // Everything --send needs is checked before any work, so a typo fails fast with exit 2.
        var delivery: (mailer: any Mailer, from: EmailAddress, to: [EmailAddress])?
        if send {
            delivery = (try mail.mailer(logger: logger), try mail.sender(),
                        try CLIFailure.usage { try ReportMailer.recipients([reportTo ?? Env.value("DELOTON_REPORT_TO") ?? ""]) })
        }
        let directory = URL(fileURLWithPath: out ?? "reports/\(day)")

        let warehouse = try await common.openWarehouse(logger: logger)
        do {
            let report = try await DailyReport.build(day: day, warehouse: warehouse, zone: zone)
            let documents = try CLIFailure.runtime { try ReportRenderer.write(report, to: directory) }
            Console.out("report for \(day) written to \(directory.path)/ (report.html, report.pdf, report.json, "
                + "\(documents.images.count) charts)" + (report.isEmpty ? "; no rides started that day" : ""))
            if let delivery {
                // A report sent on request is a new message, not a repeat of the scheduled one.
                let id = "daily-report-\(day)-\(UUID().uuidString.prefix(8).lowercased())@deloton"
                _ = try await CLIFailure.runtimeAsync {
                    try await ReportMailer.send(report, documents: documents, mailer: delivery.mailer, from: delivery.from,
                                                to: delivery.to, messageID: id)
                }
                try await ReportLedger(warehouse.sql).record(day, sentAt: Instant(seconds: Date().timeIntervalSince1970),
                                                             recipients: delivery.to.map(\.address))
                Console.out("report for \(day) sent to \(delivery.to.map(\.address).joined(separator: ", ")) via \(mail.route)")
            }
        } catch {
            try? await warehouse.close()
            throw error
        }
        try await warehouse.close()
    }

    /// `--date`, or yesterday in the display zone.
    static func day(_ text: String?, zone: Zone, now: Date = Date()) throws -> CivilDate {
        guard let text else { return zone.date(of: Instant(seconds: now.timeIntervalSince1970)).adding(days: -1) }
        guard let day = CivilDate(iso: text) else {
            throw CLIFailure.usage("--date \(text) is not a day: write YYYY-MM-DD, e.g. --date 2022-07-25")
        }
        return day
    }
}


extension CLIFailure {
    /// Runs `body`; a report error becomes a usage failure (exit 2).
    static func usage<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ReportError { throw CLIFailure.usage(error.description) }
    }

    /// Runs `body`; a report error becomes a runtime failure (exit 1).
    static func runtime<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ReportError { throw CLIFailure.runtime(error.description) }
    }

    static func runtimeAsync<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as ReportError { throw CLIFailure.runtime(error.description) }
    }
}
