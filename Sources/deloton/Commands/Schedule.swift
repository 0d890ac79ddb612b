import ArgumentParser
import DelotonCore
import DelotonNotify
import DelotonReport
import DelotonStore
import Foundation
import Logging

struct Schedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the previous day's report every day at \(flag: .reportAt) (default \(Env.text(.reportAt, flag: nil)), in \(flag: .timezone)).",
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
        // Every setting is parsed and checked once, before the warehouse is touched: mistakes exit 2.
        let logger = try common.logger("deloton.schedule")
        let zone = try common.displayZone()
        let settings = try schedule.checked(route: try mail.checkedRoute(), sender: try mail.sender(), requireRecipients: true)
        let metricsPort = try metrics.port()

        _ = Metrics.bootstrapPrometheus()
        let endpoint = metrics.endpoint(port: metricsPort, logger: logger)
        let warehouse = try await common.openWarehouse(logger: logger)
        let scheduler = ReportScheduleOptions.scheduler(settings, warehouse: warehouse, zone: zone, logger: logger)
        var lifecycle = Lifecycle(logger: logger)
        if let endpoint { lifecycle.add(endpoint, name: "metrics", ready: endpoint.listening) }
        if let liveness = Liveness.service() { lifecycle.add(liveness, name: "liveness") }
        lifecycle.add(WarehouseGauges.service(warehouse, outbox: false, report: true, logger: logger), name: "warehouse gauges")
        Console.out("deloton schedule: the day before's report goes to \(settings.recipients.count) recipient(s) (\(flag: .reportRecipients)) "
            + "via \(settings.route.description) every day at \(scheduler.at) \(zone.identifier); Ctrl-C stops")
        // A report being sent is finished before the scheduler stops (it looks at the flag between sends).
        try await lifecycle.run("report scheduler") {
            await Shutdown.flag { shutdown in await scheduler.run(until: { shutdown.isRequested }) }
        }
        try await warehouse.close()
    }
}

/// The schedule's settings; `deloton run` shares them.
struct ReportScheduleOptions: ParsableArguments {
    @Option(help: .setting(.reportAt)) var at: String?
    @Option(help: .setting(.reportRecipients)) var reportTo: String?
    @Option(help: .setting(.reportDir)) var reportDir: String?

    /// The settings, each parsed and checked once, with nothing built from them yet.
    struct Checked {
        var at: ReportScheduler.TimeOfDay
        var recipients: [EmailAddress]
        var archive: URL
        var route: MailOptions.Route
        var sender: EmailAddress
    }

    /// Checks the schedule's own settings, beside the mail route and sender the caller checked
    /// once for all its mail, so that mistakes show at start (exit 2). Without recipients
    /// (allowed for `deloton run`) reports are only written to `--report-dir`.
    func checked(route: MailOptions.Route, sender: EmailAddress, requireRecipients: Bool) throws -> Checked {
        let text = Env.text(.reportAt, flag: at)
        guard let time = ReportScheduler.TimeOfDay(parsing: text) else {
            throw CLIFailure.usage("\(flag: .reportAt) \(text) is not a time of day: write HH:MM, e.g. \(flag: .reportAt) 09:30")
        }
        let list = Env.text(.reportRecipients, flag: reportTo)
        let recipients = list.trimmingCharacters(in: .whitespaces).isEmpty ? [] : try CLIFailure.usage { try ReportMailer.recipients([list]) }
        if requireRecipients, recipients.isEmpty {
            throw CLIFailure.usage("no recipient for the report: give \(flag: .reportRecipients) a@example.com[,b@example.com] or set \(variable: .reportRecipients)")
        }
        return Checked(at: time, recipients: recipients, archive: URL(fileURLWithPath: Env.text(.reportDir, flag: reportDir)),
                       route: route, sender: sender)
    }

    /// Builds the scheduler, and its mailer, from settings already checked.
    static func scheduler(_ checked: Checked, warehouse: any Warehouse, zone: Zone, logger: Logger) -> ReportScheduler {
        let deliver = ReportScheduler.mailing(
            warehouse: warehouse, zone: zone, mailer: checked.route.destination(logger: logger).mailer, from: checked.sender,
            to: checked.recipients, archive: checked.archive)
        return ReportScheduler(at: checked.at, zone: zone, ledger: ReportLedger(warehouse.sql), logger: logger, deliver: deliver)
    }
}
