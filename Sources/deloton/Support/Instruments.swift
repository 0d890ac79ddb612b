import CoreMetrics
import DelotonCore
import DelotonNotify
import DelotonReport
import DelotonStore
import DelotonTelemetry
import Foundation
import Logging
import ServiceLifecycle

/// Every series deloton publishes beside the HTTP ones (`DelotonServer`) and the Kafka consumer
/// lag (`DelotonIngest`), in one place so names and units stay consistent: base units,
/// `_total` for counters, `_seconds` for time. Label values never carry personal data.
enum Instruments {
    static let readings = "deloton_ingest_readings_total"
    static let rides = "deloton_ingest_rides_total"
    static let quarantined = "deloton_ingest_quarantined_lines_total"
    static let commitLatency = "deloton_ingest_batch_commit_seconds"
    static let lastCommit = "deloton_ingest_last_commit_timestamp_seconds"
    static let stalled = "deloton_ingest_stalled"
    static let alertsRaised = "deloton_alerts_raised_total"
    static let alertsSent = "deloton_alerts_sent_total"
    static let alertsFailed = "deloton_alerts_failed_total"
    static let alertsRetried = "deloton_alert_send_retries_total"
    static let outboxPending = "deloton_alert_outbox_pending"
    static let outboxOldestAge = "deloton_alert_outbox_oldest_pending_age_seconds"
    static let reportLastSuccess = "deloton_report_last_success_timestamp_seconds"
    static let changeListenerUp = "deloton_warehouse_change_listener_up"

    /// Batch commits take a few milliseconds on SQLite and tens on PostgreSQL; a slow disk or a
    /// lock shows up in the upper buckets.
    static let commitBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// A quarantine reason as a label: the parser's fixed texts, with numbers (byte offsets)
    /// folded to N so that the series stay few, and anything that looks like an address removed.
    static func reasonLabel(_ reason: String) -> String {
        var out = ""
        var inNumber = false
        for c in PersonalDataRedaction.redact(reason).prefix(120) {
            if c.isASCII, c.isNumber {
                if !inNumber { out.append("N") }
                inNumber = true
            } else {
                out.append(c)
                inNumber = false
            }
        }
        return out
    }

    /// Counts alert deliveries; given to every `AlertDispatcher` the CLI builds.
    static let alertEvents: @Sendable (AlertDispatchEvent) -> Void = { event in
        switch event.outcome {
        case .sent: Counter(label: alertsSent).increment()
        case .failed: Counter(label: alertsFailed).increment()
        case .willRetry: Counter(label: alertsRetried).increment()
        case .staffCopySent, .staffCopyFailed: break
        }
    }
}

/// The warehouse as the ingest pipeline writes to it, measured: commit latency, what each
/// committed batch held, and, for the liveness check, when writes start and end.
struct InstrumentedWarehouse: Warehouse {
    let base: any Warehouse
    let watch: StallWatch?
    private let readings = Counter(label: Instruments.readings)
    private let rides = Counter(label: Instruments.rides)
    private let alerts = Counter(label: Instruments.alertsRaised)
    private let latency = CoreMetrics.Timer(label: Instruments.commitLatency)
    private let lastCommit = Gauge(label: Instruments.lastCommit)

    init(_ base: any Warehouse, watch: StallWatch?) {
        self.base = base
        self.watch = watch
    }

    var kind: WarehouseKind { base.kind }
    var sql: any SQLExecutor { base.sql }
    var staging: any ProfileStaging { base.staging }
    var changes: any ChangeFeed { base.changes }
    func migrate() async throws -> [String] { try await base.migrate() }
    func openRides(streamPrefix: String) async throws -> [OpenRide] { try await base.openRides(streamPrefix: streamPrefix) }
    func sourcePositions(prefix: String) async throws -> [String: Int64] { try await base.sourcePositions(prefix: prefix) }
    func purgeReadings(ofRidesStartedBefore cutoff: Instant) async throws -> Int {
        try await base.purgeReadings(ofRidesStartedBefore: cutoff)
    }
    func close() async throws { try await base.close() }

    func write(_ batch: IngestBatch) async throws -> WriteOutcome {
        watch?.writeStarted()
        // A failed attempt also ends: the pipeline retries an unavailable warehouse, which is progress.
        defer { watch?.writeEnded() }
        let started = ContinuousClock.now
        let outcome = try await base.write(batch)
        latency.recordInterval(since: started)
        lastCommit.record(Date().timeIntervalSince1970)
        readings.increment(by: batch.readingCount)
        rides.increment(by: outcome.endedRideIDs.count)
        alerts.increment(by: outcome.newAlertIDs.count)
        var reasons: [String: Int] = [:]
        for line in batch.quarantine { reasons[line.reason, default: 0] += 1 }
        for (reason, count) in reasons {
            Counter(label: Instruments.quarantined, dimensions: [("reason", Instruments.reasonLabel(reason))]).increment(by: count)
        }
        return outcome
    }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.wholeNanoseconds)
    }
}

/// Figures read from the warehouse rather than counted in the process, so they hold for the
/// whole deployment and survive restarts: the alert outbox (ingest, notify) and the last report
/// sent (schedule). Sampled every 5 s: two cheap indexed queries, fresher than any scrape interval.
/// A service of the command's `Lifecycle`, sampling until the group shuts down.
enum WarehouseGauges {
    static func service(_ warehouse: any Warehouse, outbox: Bool, report: Bool, logger: Logger) -> any Service {
        ClosureService { await cancelWhenGracefulShutdown {
            let pending = Gauge(label: Instruments.outboxPending)
            let oldest = Gauge(label: Instruments.outboxOldestAge)
            let lastReport = Gauge(label: Instruments.reportLastSuccess)
            while !Task.isCancelled {
                do {
                    if outbox {
                        let summary = try await AlertOutbox(warehouse.sql).pendingSummary()
                        pending.record(summary.count)
                        let now = Date().timeIntervalSince1970
                        oldest.record(summary.oldestRaisedAt.map { max(0, now - Double($0.microseconds) / 1e6) } ?? 0)
                    }
                    if report, let sent = try await ReportLedger(warehouse.sql).lastSentAt() {
                        lastReport.record(Double(sent.microseconds) / 1e6)
                    }
                } catch where !Task.isCancelled {
                    logger.warning("cannot read the warehouse for metrics; will try again", metadata: ["error": "\(error)"])
                } catch {}
                try? await Task.sleep(for: .seconds(5))
            }
        } }
    }
}

/// Whether this process hears the warehouse's change notifications (PostgreSQL): 1 while it
/// listens, 0 while it reconnects, when the dashboard and the alert dispatcher poll at their
/// usual pace instead. Subscribing opens the listener, so it is up before the first reader needs it.
enum ChangeListenerGauge {
    /// Nil on SQLite, which pushes nothing.
    static func service(_ warehouse: any Warehouse) -> (any Service)? {
        guard warehouse.kind == .postgresql else { return nil }
        return ClosureService { await cancelWhenGracefulShutdown {
            let up = Gauge(label: Instruments.changeListenerUp)
            up.record(0)
            for await event in warehouse.changes.subscribe() {
                switch event {
                case .listening: up.record(1)
                case .lost: up.record(0)
                case .committed: break
                }
            }
        } }
    }
}
