import ArgumentParser
import DelotonCore
import DelotonStore
import DelotonTelemetry
import Foundation
import Logging

/// Reads a setting's environment variable; flags win over it.
enum Env {
    static func value(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    static func flag(_ name: String) -> Bool {
        guard let v = value(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(v)
    }
}

/// Settings every command that touches the warehouse shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Warehouse: sqlite:PATH or postgres://user[:pass]@host:port/db [DELOTON_DATABASE_URL] (default sqlite:deloton.sqlite)")
    var database: String?

    @Option(help: "Zone for days, reports and shown times [DELOTON_TIMEZONE] (default Europe/London)")
    var timezone: String?

    @Option(help: "Zone in which the stream's zone-less times are read [DELOTON_STREAM_TIMEZONE] (default Europe/London)")
    var streamTimezone: String?

    @Option(help: "trace, debug, info, notice, warning, error [DELOTON_LOG_LEVEL] (default info)")
    var logLevel: String?

    @Option(help: "text, or json for log collectors: one object per line [DELOTON_LOG_FORMAT] (default text)")
    var logFormat: String?

    var databaseURL: String { database ?? Env.value("DELOTON_DATABASE_URL") ?? "sqlite:deloton.sqlite" }

    func displayZone() throws -> Zone {
        try Self.zone(timezone ?? Env.value("DELOTON_TIMEZONE") ?? "Europe/London", option: "--timezone")
    }

    func streamZone() throws -> Zone {
        try Self.zone(streamTimezone ?? Env.value("DELOTON_STREAM_TIMEZONE") ?? "Europe/London", option: "--stream-timezone")
    }

    static func zone(_ name: String, option: String) throws -> Zone {
        guard let zone = Zone(identifier: name) else {
            throw CLIFailure.usage("\(option) \(name) is not a time zone: use an IANA name such as Europe/London or UTC (is tzdata installed?)")
        }
        return zone
    }

    func logger(_ label: String) throws -> Logger {
        let name = logLevel ?? Env.value("DELOTON_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw CLIFailure.usage("--log-level \(name) is not a level: use trace, debug, info, notice, warning or error")
        }
        let formatName = logFormat ?? Env.value("DELOTON_LOG_FORMAT") ?? "text"
        guard let format = LogFormat(rawValue: formatName.lowercased()) else {
            throw CLIFailure.usage("--log-format \(formatName) is not a format: use text or json (DELOTON_LOG_FORMAT)")
        }
        LogSetup.bootstrap(level: level, format: format)
        Console.use(format)
        return Logger(label: label)
    }

    /// Checks the URL before any work (exit 2 when malformed), then opens and migrates.
    func openWarehouse(logger: Logger, migrate: Bool = true) async throws -> any Warehouse {
        _ = try WarehouseLocation(parsing: databaseURL)
        return try await Warehouses.open(databaseURL, migrate: migrate, logger: logger)
    }
}

enum LogSetup {
    nonisolated(unsafe) private static var done = false

    /// swift-log may be bootstrapped once per process.
    static func bootstrap(level: Logger.Level, format: LogFormat) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in OperatorLogHandler(label: label, format: format, level: level) }
    }
}
