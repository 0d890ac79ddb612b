import ArgumentParser
import DelotonCore
import DelotonIngest
import DelotonStore
import Foundation
import DelotonReport
import DelotonServer
import ServiceLifecycle

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything on one machine: simulator → SQLite → alerts → API and live dashboard.",
        discussion: """
            Embedded defaults: the built-in ride simulator in real time, the warehouse in deloton.sqlite, alerts as \
            .eml files in ./outbox, the API and live dashboard on http://127.0.0.1:8080, and the daily report at \
            09:30 (written to ./reports, and mailed with --report-to). --source kafka reads the Kafka topic \
            instead of the simulator. Stop with Ctrl-C.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "simulator or kafka [DELOTON_RUN_SOURCE] (default simulator)") var source: String?
    @OptionGroup(title: "Simulator") var simulation: SimulatorOptions
    @OptionGroup(title: "Kafka (with --source kafka)") var kafka: KafkaConnectionOptions
    @OptionGroup(title: "Kafka consumer (with --source kafka)") var kafkaConsumer: KafkaConsumerOptions
    @Option(help: "Seconds of silence after which a live stream's ride ends [DELOTON_RIDE_IDLE_TIMEOUT] (default 60)")
    var rideIdleTimeout: Double?
    @Option(help: "Longer lines are quarantined as their first 4 KiB, length and SHA-256 [DELOTON_MAX_LINE_BYTES] (default 1048576)")
    var maxLineBytes: Int?
    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Notifications") var notifications: NotificationOptions
    @OptionGroup(title: "Daily report") var reportSchedule: ReportScheduleOptions
    @OptionGroup var statusOptions: StatusLineOptions

    func run() async throws {
        let logger = try common.logger("deloton.run")
        let streamZone = try common.streamZone()
        let zone = try common.displayZone()
        let idle = try Ingest.idleTimeout(rideIdleTimeout)
        let lineLimit = try Ingest.maxLineBytes(maxLineBytes)
        let statusEvery = try statusOptions.every()
        let sourceText = source ?? Env.value("DELOTON_RUN_SOURCE") ?? "simulator"
        guard sourceText == "simulator" || sourceText == "kafka" else {
            throw CLIFailure.usage("--source \(sourceText) is not a source for run: use simulator or kafka")
        }
        // Every setting is checked before any work, so mistakes exit 2.
        let kafkaSettings = sourceText == "kafka" ? try kafkaConsumer.settings(connection: kafka) : nil
        var serverConfig = try server.config(timezone: zone.identifier)
        try notifications.validate(zone: zone, logger: logger)
        try reportSchedule.validate(mail: notifications.mail, requireRecipients: false, logger: logger)

        let warehouse = try await common.openWarehouse(logger: logger, creates: true)
        serverConfig.onRiderErased = Outbox.eraser(notifications.mail.outbox)
        let notify = try notifications.make(warehouse: warehouse, zone: zone, logger: logger, logRides: true)
        let reports = try reportSchedule.scheduler(warehouse: warehouse, zone: zone, mail: notifications.mail,
                                                   requireRecipients: false, logger: logger)
        let (app, liveFeed) = buildServer(config: serverConfig, warehouse: warehouse, logger: logger,
                                          metrics: Metrics.bootstrapPrometheus())
        // Stopped in reverse: ingest commits its batch, alerts due are sent, the scheduler stops
        // between sends, the server closes its event streams and answers what is in flight.
        var lifecycle = Lifecycle(logger: logger)
        if let liveness = Liveness.service() { lifecycle.add(liveness, name: "liveness") }
        lifecycle.add(StagingRetention.service(warehouse, logger: logger), name: "staging retention")
        lifecycle.add(WarehouseGauges.service(warehouse, outbox: true, report: true, logger: logger), name: "warehouse gauges")
        lifecycle.add(APIServer(app: app, liveFeed: liveFeed), name: "server")
        lifecycle.add(ClosureService { await Shutdown.flag { stop in await reports.run(until: { stop.isRequested }) } },
                      name: "report scheduler")
        lifecycle.add(notify, name: "alert delivery")
        let status = StatusLine(logger: logger, every: statusEvery)
        if kafkaSettings != nil {
            Console.out("deloton run: reading Kafka topic \(kafka.topic) at \(kafka.brokers) into \(Redact.url(common.databaseURL))")
        } else {
            Console.out("deloton run: simulating \(simulation.bikes) bike(s) into \(Redact.url(common.databaseURL))")
        }
        // To the terminal only, never the log: the link signs its holder in, once.
        Console.out("  API and live dashboard: \(try await SignInLink.make(config: serverConfig, warehouse: warehouse))")
        Console.out("  alerts go to \(notify.destination)")
        Console.out("  daily report at \(reports.at) \(zone.identifier); Ctrl-C stops")

        let shutdown = Shutdown()
        var runner = IngestRunner(warehouse: InstrumentedWarehouse(warehouse, watch: nil), logger: logger, shutdown: shutdown)
        runner.status = status
        runner.onCommitted = { committed in
            status.add(committed)
            notify.committed(committed)
            await liveFeed?.nudge()
        }
        var options = IngestOptions(streamZone: streamZone, rideIdleTimeout: idle)
        options.maxLineBytes = lineLimit
        let ingest = runner, simulation = self.simulation, ingestOptions = options
        let stats = try await lifecycle.run("ingest") {
            try await withGracefulShutdownHandler {
                if let kafkaSettings {
                    try await ingest.ingestKafka(kafkaSettings, options: ingestOptions)
                } else {
                    try await ingest.ingestSimulator(simulation, options: ingestOptions)
                }
            } onGracefulShutdown: {
                shutdown.request()
            }
        }
        Console.endStatus()
        try await warehouse.close()
        Console.out("stopped: " + IngestRunner.summary(stats, seconds: status.elapsed))
    }
}
