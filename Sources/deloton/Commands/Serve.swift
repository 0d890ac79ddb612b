import ArgumentParser
import DelotonServer
import Hummingbird
import Prometheus
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "REST API and live dashboard.",
        discussion: "Stateless: run as many as you like behind a load balancer; they all read the same warehouse.")

    @OptionGroup var common: CommonOptions
    @OptionGroup(title: "Server") var server: ServerOptions
    @Flag(help: .setting(.migrate)) var migrate = false
    @OptionGroup(title: "Read replica") var reads: ReadDatabaseOptions
    // /metrics on the API port needs a key; a scraper inside the deployment's network can use this
    // port of its own instead, which serves nothing personal (no personal data in labels).
    @OptionGroup(title: "Metrics") var metrics: MetricsOptions

    func run() async throws {
        // Every setting is parsed and checked once, before anything is built: mistakes exit 2.
        let logger = try common.logger("deloton.serve")
        var config = try server.config(zone: try common.displayZone())
        let signInLink = server.printsSignInLink, migrates = migrate || Env.flag(.migrate)
        let metricsPort = try metrics.port()
        let readURL = try reads.checkedURL(primary: common.databaseURL)
        // A serve beside the outbox (DELOTON_OUTBOX_DIR) erases a rider's messages there too.
        config.onRiderErased = Outbox.eraser(folder: Env.text(.outbox, flag: nil))

        let endpoint = metrics.endpoint(port: metricsPort, logger: logger)
        let warehouse = try await common.openWarehouse(logger: logger, migrate: migrates)
        let replica = try await ReadDatabaseOptions.open(readURL, logger: logger)
        let registry = Metrics.bootstrapPrometheus()
        let (app, liveFeed) = buildServer(config: config, warehouse: warehouse, replica: replica, logger: logger, metrics: registry)
        var lifecycle = Lifecycle(logger: logger)
        if let endpoint { lifecycle.add(endpoint, name: "metrics", ready: endpoint.listening) }
        // Always running (on AWS the report is a one-shot task), so serve publishes the figures that
        // live in the warehouse: the alert outbox and the last report sent.
        lifecycle.add(WarehouseGauges.service(warehouse, outbox: true, report: true, logger: logger), name: "warehouse gauges")
        if let listener = ChangeListenerGauge.service(warehouse) { lifecycle.add(listener, name: "change listener gauge") }
        logger.info("serving the API and dashboard on http://\(config.host):\(config.port)")
        // To the terminal only, never the log: the link signs its holder in.
        if signInLink {
            Console.out("open the dashboard: \(try await SignInLink.make(config: config, warehouse: warehouse))")
        }
        // Stopping: event streams closed, requests in flight answered, then the gauges.
        try await lifecycle.run("server") { try await APIServer(app: app, liveFeed: liveFeed).run() }
        try await replica?.close()
        try await warehouse.close()
    }
}
