import ArgumentParser
import DelotonCore
import DelotonNotify
import DelotonReport
import DelotonStore
import Foundation
import Logging

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the daily report for a day (default yesterday); \(flag: .reportSend) emails it.",
        discussion: """
            Writes report.html, report.pdf, report.json and the chart images into \(flag: .reportFolder). With \(flag: .reportSend) the \
            report is mailed to \(flag: .reportRecipients) through \(flag: .smtp), or written as an .eml file to \(flag: .outbox), and \
            recorded in the same ledger as `deloton schedule` uses: a day already sent (by either) is not sent \
            again and the command exits 0, so an at-least-once trigger (EventBridge Scheduler, cron with retries) \
            mails it once; \(flag: .force) sends it again. A relay that is down is retried for \(flag: .reportRetryFor) seconds.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: .setting(.reportDate)) var date: String?
    @Option(help: .setting(.reportFolder)) var out: String?
    @Flag(help: .setting(.reportSend)) var send = false
    @Flag(help: .setting(.force)) var force = false
    @Option(help: .setting(.reportRetryFor)) var retryFor: Double?
    @Option(help: .setting(.reportRecipients)) var reportTo: String?
    @OptionGroup(title: "Mail") var mail: MailOptions

    @OptionGroup(title: "Read replica") var reads: ReadDatabaseOptions

    func run() async throws {
        // Every setting, --send's included, is parsed and checked once before any work, so a typo
        // fails fast with exit 2 and nothing is built from a setting that would then be refused.
        let logger = try common.logger("deloton.report")
        let zone = try common.displayZone()
        let day = try Self.day(date, zone: zone)
        let retryWindow = try Self.retryFor(retryFor)
        if force, !send { throw CLIFailure.usage("\(flag: .force) applies to \(flag: .reportSend): give both to send a day again") }
        let sending = send ? (route: try mail.checkedRoute(), from: try mail.sender(),
                              to: try CLIFailure.usage { try ReportMailer.recipients([Env.text(.reportRecipients, flag: reportTo)]) })
            : nil
        let directory = URL(fileURLWithPath: out ?? "reports/\(day)")
        let readURL = try reads.checkedURL(primary: common.databaseURL)

        let delivery = sending.map { (mailer: $0.route.destination(logger: logger).mailer, from: $0.from, to: $0.to, via: $0.route.description) }
        let warehouse = try await common.openWarehouse(logger: logger)
        // The day's figures from the replica, when there is one; what was sent, on the primary.
        let replica: (any Warehouse)?
        do { replica = try await ReadDatabaseOptions.open(readURL, logger: logger) } catch {
            try? await warehouse.close()
            throw error
        }
        do {
            let report = try await DailyReport.build(day: day, warehouse: replica ?? warehouse, zone: zone)
            let documents = try CLIFailure.runtime { try ReportRenderer.write(report, to: directory) }
            Console.out("report for \(day) written to \(directory.path)/ (report.html, report.pdf, report.json, "
                + "\(documents.images.count) charts)" + (report.isEmpty ? "; no rides started that day" : ""))
            if let delivery {
                // The day's one report carries the scheduler's Message-ID, so a repeat after a crash is
                // recognisably the same message; a forced resend is a new message.
                let id = force ? "daily-report-\(day)-\(UUID().uuidString.prefix(8).lowercased())@deloton"
                    : ReportMailer.scheduledMessageID(for: day)
                let trigger = ReportTrigger(ledger: ReportLedger(warehouse.sql), retryFor: retryWindow, logger: logger)
                let outcome: ReportTrigger.Outcome
                do {
                    outcome = try await trigger.send(day, force: force) { _ in
                        try await ReportMailer.send(report, documents: documents, mailer: delivery.mailer, from: delivery.from,
                                                    to: delivery.to, messageID: id)
                        return delivery.to.map(\.address)
                    }
                } catch let error as ReportError {
                    throw CLIFailure.runtime(error.description)
                } catch let error as ReportTriggerError {
                    throw CLIFailure.runtime(error.description)
                }
                switch outcome {
                case .sent(let recipients):
                    // A count, not the addresses: this line ends up in the deployment's logs.
                    Console.out("report for \(day) sent to \(recipients.count) recipient(s) (\(flag: .reportRecipients)) via \(delivery.via)")
                case .alreadySent:
                    Console.out("report for \(day) was already sent; nothing sent (\(flag: .force) sends it again)")
                }
            }
        } catch {
            try? await replica?.close()
            try? await warehouse.close()
            throw error
        }
        try await replica?.close()
        try await warehouse.close()
    }

    static func retryFor(_ flag: Double?) throws -> Duration {
        let text = Env.text(.reportRetryFor, flag: flag.map { String($0) })
        guard let seconds = Double(text), seconds >= 0 else {
            throw CLIFailure.usage("\(flag: .reportRetryFor) must be 0 or more seconds (got \(text)) (\(variable: .reportRetryFor))")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// `--date`, or yesterday in the display zone.
    static func day(_ text: String?, zone: Zone, now: Date = Date()) throws -> CivilDate {
        guard let text else { return zone.date(of: Instant(seconds: now.timeIntervalSince1970)).adding(days: -1) }
        guard let day = CivilDate(iso: text) else {
            throw CLIFailure.usage("\(flag: .reportDate) \(text) is not a day: write YYYY-MM-DD, e.g. \(flag: .reportDate) 2022-07-25")
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
