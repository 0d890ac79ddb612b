import ArgumentParser
import DelotonServer
import Hummingbird
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "REST API and live dashboard.",
        discussion: "Stateless: run as many as you like behind a load balancer; they all read the same warehouse.")

    @OptionGroup var common: CommonOptions
    @OptionGroup(title: "Server") var server: ServerOptions
    @Flag(help: "Create or upgrade the schema first [DELOTON_MIGRATE]") var migrate = false

    func run() async throws {
        let logger = try common.logger("deloton.serve")
        let config = try server.config(timezone: try common.displayZone().identifier)
        let warehouse = try await common.openWarehouse(logger: logger, migrate: migrate || Env.flag("DELOTON_MIGRATE"))
        let registry = Metrics.bootstrapPrometheus()
        // Always running (on AWS the report is a one-shot task), so serve publishes the figures that
        // live in the warehouse: the alert outbox and the last report sent.
        let gauges = WarehouseGauges.start(warehouse, outbox: true, report: true, logger: logger)
        defer { gauges.cancel() }
        let app = buildApplication(config: config, warehouse: warehouse, logger: logger, metrics: registry)
        logger.info("serving the API and dashboard on http://\(config.host):\(config.port)")
        try await app.runService()
        try await warehouse.close()
    }
}
