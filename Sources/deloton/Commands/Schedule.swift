import ArgumentParser
import DelotonCore
import DelotonNotify
import DelotonReport
import DelotonStore
import Foundation
import Logging

struct Schedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the previous day's report every day at --at (default 09:30, in \(flag: .timezone)).",
        discussion: """
            Sent days are recorded in the warehouse: a restart never sends a day twice, and a process that \
            was down at the time sends yesterday's report when it starts (older days only with \
            `deloton report --send --date`). Stop with Ctrl-C.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup(title: "Daily report") var schedule: ReportScheduleOptions
    @OptionGroup(title: "Mail") var mail: MailOptions
    @OptionGroup(title: "Metrics") var metrics: MetricsOptions

    func run() async throws {
        let logger = try common.logger("deloton.schedule")
        let zone = try common.displayZone()
        // Bad settings fail with exit 2 before the warehouse is touched.
        try schedule.validate(mail: mail, requireRecipients: true, logger: logger)
        _ = Metrics.bootstrapPrometheus()
        let endpoint = try metrics.endpoint(logger: logger)
        let warehouse = try await common.openWarehouse(logger: logger)
        let scheduler: ReportScheduler
        do {
            scheduler = try schedule.scheduler(warehouse: warehouse, zone: zone, mail: mail, requireRecipients: true, logger: logger)
        } catch {
            try? await warehouse.close()
            throw error
        }
        var lifecycle = Lifecycle(logger: logger)
        if let endpoint { lifecycle.add(endpoint, name: "metrics", ready: endpoint.listening) }
        if let liveness = Liveness.service() { lifecycle.add(liveness, name: "liveness") }
        lifecycle.add(WarehouseGauges.service(warehouse, outbox: false, report: true, logger: logger), name: "warehouse gauges")
        Console.out("deloton schedule: the day before's report goes to \(try schedule.recipients().count) recipient(s) (\(flag: .reportRecipients)) "
            + "via \(mail.route) every day at \(scheduler.at) \(zone.identifier); Ctrl-C stops")
        // A report being sent is finished before the scheduler stops (it looks at the flag between sends).
        try await lifecycle.run("report scheduler") {
            await Shutdown.flag { shutdown in await scheduler.run(until: { shutdown.isRequested }) }
        }
        try await warehouse.close()
    }
}

/// The schedule's settings; `deloton run` shares them.
struct ReportScheduleOptions: ParsableArguments {
    @Option(help: "Local time of day to send the report, HH:MM [\(variable: .reportAt)] (default 09:30)")
    var at: String?

    @Option(help: "Report recipients, comma-separated [\(variable: .reportRecipients)]")
    var reportTo: String?

    @Option(help: "Also keep each scheduled report's files in DIR/DATE [\(variable: .reportDir)] (default ./reports)")
    var reportDir: String?

    func time() throws -> ReportScheduler.TimeOfDay {
        let text = at ?? Env.value(.reportAt) ?? "09:30"
        guard let time = ReportScheduler.TimeOfDay(parsing: text) else {
            throw CLIFailure.usage("--at \(text) is not a time of day: write HH:MM, e.g. --at 09:30")
        }
        return time
    }

    func recipients() throws -> [EmailAddress] {
        let list = reportTo ?? Env.value(.reportRecipients) ?? ""
        if list.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        return try CLIFailure.usage { try ReportMailer.recipients([list]) }
    }

    /// Checks every setting the schedule will need, so that mistakes show at start (exit 2).
    func validate(mail: MailOptions, requireRecipients: Bool, logger: Logger) throws {
        _ = try time()
        _ = try mail.checkedRoute()
        _ = try mail.sender()
        if requireRecipients, try recipients().isEmpty {
            throw CLIFailure.usage("no recipient for the report: give \(flag: .reportRecipients) a@example.com[,b@example.com] or set \(variable: .reportRecipients)")
        }
    }

    /// Without recipients (allowed for `deloton run`) reports are only written to `--report-dir`.
    func scheduler(warehouse: any Warehouse, zone: Zone, mail: MailOptions, requireRecipients: Bool,
                   logger: Logger) throws -> ReportScheduler {
        let to = try recipients()
        if requireRecipients && to.isEmpty {
            throw CLIFailure.usage("no recipient for the report: give \(flag: .reportRecipients) a@example.com[,b@example.com] or set \(variable: .reportRecipients)")
        }
        let deliver = ReportScheduler.mailing(
            warehouse: warehouse, zone: zone, mailer: try mail.mailer(logger: logger), from: try mail.sender(), to: to,
            archive: URL(fileURLWithPath: reportDir ?? Env.value(.reportDir) ?? "reports"))
        return ReportScheduler(at: try time(), zone: zone, ledger: ReportLedger(warehouse.sql), logger: logger, deliver: deliver)
    }
}
