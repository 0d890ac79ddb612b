import ArgumentParser
import DelotonCore
import DelotonIngest
import DelotonReport
import DelotonServer
import DelotonStore
import Foundation
import ServiceLifecycle
import Synchronization

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything on one machine: simulator → SQLite → alerts → API and live dashboard.",
        discussion: """
            Embedded defaults: the built-in ride simulator in real time, the warehouse in deloton.sqlite, alerts as \
            .eml files in ./outbox, the API and live dashboard on http://127.0.0.1:8080, and the daily report at \
            09:30 (written to ./reports, and mailed with \(flag: .reportRecipients)). On a warehouse with no rides yet, the \
            simulator first back-fills the last 7 days (\(flag: .backfillDays)) at a gym's daily volume, so the \
            dashboard, the API and yesterday's report have data at once; alerts of that history are recorded, \
            never mailed. \(flag: .runSource) kafka reads the Kafka topic instead of the simulator. Stop with Ctrl-C.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: .setting(.runSource)) var source: String?
    @OptionGroup(title: "Simulator") var simulation: SimulatorOptions
    @Option(help: .setting(.backfillDays)) var backfillDays: Int?
    @OptionGroup(title: "Kafka (with \(flag: .runSource) kafka)") var kafka: KafkaConnectionOptions
    @OptionGroup(title: "Kafka consumer (with \(flag: .runSource) kafka)") var kafkaConsumer: KafkaConsumerOptions
    @Option(help: .setting(.rideIdleTimeout)) var rideIdleTimeout: Double?
    @Option(help: .setting(.maxLineBytes)) var maxLineBytes: Int?
    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Notifications") var notifications: NotificationOptions
    @OptionGroup(title: "Daily report") var reportSchedule: ReportScheduleOptions
    @OptionGroup var statusOptions: StatusLineOptions
    @OptionGroup(title: "Retention") var retention: RetentionOptions

    func run() async throws {
        // Every setting is parsed and checked once, before anything is built: mistakes exit 2.
        let logger = try common.logger("deloton.run")
        let streamZone = try common.streamZone()
        let zone = try common.displayZone()
        let idle = try Ingest.idleTimeout(rideIdleTimeout)
        let lineLimit = try Ingest.maxLineBytes(maxLineBytes)
        let statusEvery = try statusOptions.every()
        let sourceText = Env.text(.runSource, flag: source)
        guard sourceText == "simulator" || sourceText == "kafka" else {
            throw CLIFailure.usage("\(flag: .runSource) \(sourceText) is not a source for run: use simulator or kafka")
        }
        let kafkaSettings = sourceText == "kafka" ? try kafkaConsumer.settings(connection: kafka) : nil
        let historyDays = try Self.backfillDays(backfillDays)
        var serverConfig = try server.config(zone: zone)
        let signInLink = server.printsSignInLink
        let notificationSettings = try notifications.checked(zone: zone)
        let reportSettings = try reportSchedule.checked(route: notificationSettings.route, sender: notificationSettings.alerts.from,
                                                        requireRecipients: false)
        let outboxFolder = Env.text(.outbox, flag: notifications.mail.outbox)
        let retentionSettings = try retention.checked()

        let warehouse = try await common.openWarehouse(logger: logger, creates: true)
        // Only a new warehouse gets a history: an existing one has its own, and a back-fill
        // interrupted by Ctrl-C is not resumed (its rides are there).
        let hasRides = try await !warehouse.sql.query("SELECT 1 AS one FROM rides LIMIT 1").isEmpty
        let backfill = kafkaSettings == nil && !hasRides ? historyDays : 0
        // Yesterday's report, which a start after 09:30 writes at once, and the end-of-ride
        // webhook wait for the history: a report of half of it would stand as the day's.
        let (historyWritten, historyDone) = AsyncStream.makeStream(of: Never.self)
        let live = HistoryFlag(done: backfill == 0)
        if backfill == 0 { historyDone.finish() }
        serverConfig.onRiderErased = Outbox.eraser(folder: outboxFolder)
        let notify = NotificationOptions.make(notificationSettings, warehouse: warehouse, zone: zone, logger: logger, logRides: true)
        let reports = ReportScheduleOptions.scheduler(reportSettings, warehouse: warehouse, zone: zone, logger: logger)
        let (app, liveFeed) = buildServer(config: serverConfig, warehouse: warehouse, logger: logger,
                                          metrics: Metrics.bootstrapPrometheus())
        // Stopped in reverse: ingest commits its batch, alerts due are sent, the scheduler stops
        // between sends, the server closes its event streams and answers what is in flight.
        var lifecycle = Lifecycle(logger: logger)
        if let liveness = Liveness.service() { lifecycle.add(liveness, name: "liveness") }
        lifecycle.add(Retention.service(warehouse, retentionSettings, logger: logger), name: "retention")
        lifecycle.add(WarehouseGauges.service(warehouse, outbox: true, report: true, logger: logger), name: "warehouse gauges")
        if let listener = ChangeListenerGauge.service(warehouse) { lifecycle.add(listener, name: "change listener gauge") }
        lifecycle.add(APIServer(app: app, liveFeed: liveFeed), name: "server")
        lifecycle.add(ClosureService {
            for await _ in historyWritten {}
            await Shutdown.flag { stop in await reports.run(until: { stop.isRequested }) }
        }, name: "report scheduler")
        lifecycle.add(notify, name: "alert delivery")
        let status = StatusLine(logger: logger, every: statusEvery)
        if let kafkaSettings {
            Console.out("deloton run: reading Kafka topic \(kafkaSettings.topic) at \(kafkaSettings.consumer.config.brokersString) "
                        + "into \(Redact.url(common.databaseURL))")
        } else {
            Console.out("deloton run: simulating \(simulation.bikes) bike(s) into \(Redact.url(common.databaseURL))")
        }
        if backfill > 0 {
            Console.out("  back-filling the last \(backfill) day(s) of rides first (\(flag: .backfillDays) 0 turns it off); their alerts are not mailed")
        }
        // To the terminal only, never the log: the link signs its holder in, once.
        if signInLink {
            Console.out("  API and live dashboard: \(try await SignInLink.make(config: serverConfig, warehouse: warehouse))")
        }
        Console.out("  alerts go to \(notify.destination)")
        Console.out("  daily report at \(reports.at) \(zone.identifier); Ctrl-C stops")

        let shutdown = Shutdown()
        var runner = IngestRunner(warehouse: InstrumentedWarehouse(warehouse, watch: nil), logger: logger, shutdown: shutdown)
        runner.status = status
        runner.onCommitted = { committed in
            status.add(committed)
            guard live.isDone else { return }
            notify.committed(committed)
            await liveFeed?.nudge()
        }
        var options = IngestOptions(streamZone: streamZone, rideIdleTimeout: idle)
        options.maxLineBytes = lineLimit
        let ingest = runner, simulation = self.simulation, ingestOptions = options
        let backfillStarted = ContinuousClock.now
        let stats = try await lifecycle.run("ingest") {
            try await withGracefulShutdownHandler {
                defer { historyDone.finish() }
                if let kafkaSettings {
                    return try await ingest.ingestKafka(kafkaSettings, options: ingestOptions)
                }
                return try await ingest.ingestSimulator(simulation, options: ingestOptions, live: true, historyDays: backfill) { history in
                    guard backfill > 0 else { return }
                    live.markDone()
                    historyDone.finish()
                    Console.endStatus()
                    Console.out("back-filled \(Console.count(history.ridesEnded)) rides, \(Console.count(history.readings)) readings and "
                                + "\(Console.count(history.alerts)) alerts (not mailed) in "
                                + String(format: "%.1f s", (ContinuousClock.now - backfillStarted).inSeconds) + "; now live")
                }
            } onGracefulShutdown: {
                shutdown.request()
            }
        }
        Console.endStatus()
        try await warehouse.close()
        Console.out("stopped: " + IngestRunner.summary(stats, seconds: status.elapsed))
    }

    /// Up to a year: a demo history, not a load test (`deloton simulate` makes those).
    static func backfillDays(_ flag: Int?) throws -> Int {
        let text = Env.text(.backfillDays, flag: flag.map { String($0) })
        guard let days = Int(text), (0...366).contains(days) else {
            throw CLIFailure.usage("\(flag: .backfillDays) must be a whole number of days from 0 (off) to 366 (got \(text))")
        }
        return days
    }
}

/// Whether `run`'s back-filled history is all in: until then, commits are history, not news.
final class HistoryFlag: Sendable {
    private let done: Mutex<Bool>
    init(done: Bool) { self.done = Mutex(done) }
    var isDone: Bool { done.withLock { $0 } }
    func markDone() { done.withLock { $0 = true } }
}
