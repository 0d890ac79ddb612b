import ArgumentParser
import DelotonCore
import DelotonNotify
import DelotonStore
import Foundation
import ServiceLifecycle

struct Notify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deliver the alert outbox: send pending alerts, retry failures, until stopped.",
        discussion: """
            Alerts are recorded by ingest in the same transaction as the readings that raised them; this command \
            sends them (ingest and run also do, unless several processes share the work). Any number of notify \
            processes may run against one warehouse: each alert is sent by one of them. Transient failures are \
            retried with backoff; an alert is never sent twice, except once more with the same Message-ID after a \
            crash between the server's acceptance and its record. Stop with Ctrl-C or SIGTERM.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup(title: "Mail") var mail: MailOptions
    @Flag(help: .setting(.once)) var once = false
    @OptionGroup(title: "Metrics") var metrics: MetricsOptions

    func run() async throws {
        // Every setting is parsed and checked once, before anything is built: mistakes exit 2.
        let logger = try common.logger("deloton.notify")
        let zone = try common.displayZone()
        let route = try mail.checkedRoute()
        let settings = try mail.alertSettings(zone: zone)
        let metricsPort = try metrics.port()

        let destination = route.destination(logger: logger)
        _ = Metrics.bootstrapPrometheus()
        let endpoint = metrics.endpoint(port: metricsPort, logger: logger)
        let warehouse = try await common.openWarehouse(logger: logger)
        let outbox = AlertOutbox(warehouse.sql)
        let before = try await outbox.counts()
        Console.out("deloton notify: \(before[.pending] ?? 0) alert(s) pending in \(Redact.url(common.databaseURL)); "
                    + "mail goes to \(destination.description)\(once ? "" : "; Ctrl-C stops")")

        let dispatcher = AlertDispatcher(warehouse: warehouse, mailer: destination.mailer, settings: settings, logger: logger,
                                         onEvent: Instruments.alertEvents)
        var lifecycle = Lifecycle(logger: logger)
        if let endpoint { lifecycle.add(endpoint, name: "metrics", ready: endpoint.listening) }
        if let liveness = Liveness.service() { lifecycle.add(liveness, name: "liveness") }
        lifecycle.add(WarehouseGauges.service(warehouse, outbox: true, report: false, logger: logger), name: "warehouse gauges")
        if let listener = ChangeListenerGauge.service(warehouse) { lifecycle.add(listener, name: "change listener gauge") }
        let once = self.once
        try await lifecycle.run("alert dispatcher") {
            if once { await dispatcher.finish() }
            // Stopping: no new claims; sends under way are completed and recorded.
            await withGracefulShutdownHandler {
                await dispatcher.run()
            } onGracefulShutdown: {
                Task { await dispatcher.stop() }
            }
        }

        let after = try await outbox.counts()
        try await warehouse.close()
        Console.out("alerts: \(after[.sent] ?? 0) sent, \(after[.pending] ?? 0) pending, \(after[.failed] ?? 0) failed")
    }
}
