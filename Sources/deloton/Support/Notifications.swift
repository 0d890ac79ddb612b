import ArgumentParser
import DelotonCore
import DelotonIngest
import DelotonNotify
import DelotonServer
import DelotonStore
import Foundation
import Logging
import ServiceLifecycle

/// Settings for what happens beside ingest: alert mail and the end-of-ride webhook.
struct NotificationOptions: ParsableArguments {
    @OptionGroup(title: "Mail") var mail: MailOptions
    @OptionGroup(title: "Ride notifications") var rideEvents: RideWebhookOptions
    @Flag(help: .setting(.noNotify)) var noNotify = false

    /// The settings, each parsed and checked once, with nothing built from them yet.
    struct Checked {
        var route: MailOptions.Route
        var alerts: AlertDispatchSettings
        var webhook: WebhookClient.Target?
        var notifies: Bool
    }

    /// Checks every setting (exit 2); call before any work.
    func checked(zone: Zone) throws -> Checked {
        Checked(route: try mail.checkedRoute(), alerts: try mail.alertSettings(zone: zone), webhook: try rideEvents.target(),
                notifies: !(noNotify || Env.flag(.noNotify)))
    }

    /// Builds the delivery from settings already checked.
    static func make(_ checked: Checked, warehouse: any Warehouse, zone: Zone, logger: Logger, logRides: Bool) -> Notifications {
        let destination = checked.route.destination(logger: logger)
        let dispatcher = checked.notifies
            ? AlertDispatcher(warehouse: warehouse, mailer: destination.mailer, settings: checked.alerts, logger: logger,
                              onEvent: Instruments.alertEvents) : nil
        var webhook: RideWebhookNotifier?
        let client = checked.webhook.map { WebhookClient(target: $0, logger: logger) }
        if client != nil || logRides {
            let render: RideWebhookNotifier.Renderer = { id in
                try await RideDocument.json(rideID: id, warehouse: warehouse, zone: zone)
            }
            var log: (@Sendable (Int64, [UInt8]) -> Void)?
            if logRides {
                log = { (_: Int64, json: [UInt8]) in
                    let text = String(decoding: json, as: UTF8.self)
                    // Debug: one line per ride drowns the console; `--verbose` shows them.
                    logger.debug("ride finished: \(text)")
                }
            }
            webhook = RideWebhookNotifier(client: client, render: render, logger: logger, onRendered: log)
        }
        return Notifications(dispatcher: dispatcher, webhook: webhook, destination: destination.description)
    }
}

/// Alert delivery and ride notifications running beside an ingest, woken by each committed batch.
struct Notifications: Sendable {
    let dispatcher: AlertDispatcher?
    let webhook: RideWebhookNotifier?
    /// Where alert mail goes, for the user (no secrets).
    let destination: String

    /// Called after each committed batch: new alerts go out at once, not at the next poll.
    @Sendable func committed(_ batch: CommittedBatch) {
        if !batch.outcome.newAlertIDs.isEmpty { dispatcher?.wake() }
        if !batch.outcome.endedRideIDs.isEmpty { webhook?.ridesEnded(batch.outcome.endedRideIDs) }
    }

    /// Delivers what is due, then lets `run()` return.
    func finish() async {
        await dispatcher?.finish()
        webhook?.finish()
    }
}

/// A service of `run` and `ingest`, added after the server and before the main work: the
/// pipeline stops first, then what is due is delivered (`finish()`), then the rest stops.
extension Notifications: Service {
    /// Delivers until the group shuts down gracefully, then what is due; cancellation stops at once.
    func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                if let dispatcher { group.addTask { await dispatcher.run() } }
                if let webhook { group.addTask { await webhook.run() } }
                // With nothing to deliver (--no-notify, no webhook) the service still lasts until shutdown.
                group.addTask { try? await gracefulShutdown() }
            }
        } onGracefulShutdown: {
            Task { await finish() }
        }
    }
}
