import ArgumentParser
import DelotonCore
import DelotonStore
import DelotonTelemetry
import Foundation
import Logging

/// Reads a setting's environment variable; flags win over it.
enum Env {
    /// A setting's variable, as `SettingNames` names it; nil when it has none or it is empty.
    static func value(_ setting: Setting) -> String? { SettingNames.entry(setting).variable.flatMap(value) }
    static func value(_ setting: CommandSetting) -> String? { SettingNames.entry(setting).variable.flatMap(value) }

    /// What the user gave for a setting with a default: the flag, else its variable, else the
    /// table's default, which is what `--help` shows. A setting the table gives no default reads
    /// as "", which its check refuses.
    static func text(_ setting: Setting, flag: String?) -> String { flag ?? value(setting) ?? SettingNames.entry(setting).defaultValue ?? "" }
    static func text(_ setting: CommandSetting, flag: String?) -> String {
        flag ?? value(setting) ?? SettingNames.entry(setting).defaultValue ?? ""
    }

    static func flag(_ setting: CommandSetting) -> Bool { SettingNames.entry(setting).variable.map(flag) ?? false }

    static func value(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    static func flag(_ setting: Setting) -> Bool {
        SettingNames.entry(setting).variable.map(flag) ?? false
    }

    static func flag(_ name: String) -> Bool {
        guard let v = value(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(v)
    }
}

/// Settings every command that touches the warehouse shares.
struct CommonOptions: ParsableArguments {
    @Option(help: .setting(.database)) var database: String?
    @Option(help: .setting(.timezone)) var timezone: String?
    @Option(help: .setting(.streamTimezone)) var streamTimezone: String?

    @OptionGroup var console: ConsoleOptions

    var databaseURL: String { Env.text(.database, flag: database) }

    func displayZone() throws -> Zone { try Self.zone(.timezone, flag: timezone) }

    func streamZone() throws -> Zone { try Self.zone(.streamTimezone, flag: streamTimezone) }

    static func zone(_ setting: Setting, flag: String?) throws -> Zone {
        let name = Env.text(setting, flag: flag)
        guard let zone = Zone(identifier: name) else {
            throw CLIFailure.usage("\(flag: setting) \(name) is not a time zone: use an IANA name such as Europe/London or UTC (is tzdata installed?)")
        }
        return zone
    }

    func logger(_ label: String) throws -> Logger { try console.logger(label) }

    /// Checks the URL before any work (exit 2 when malformed), then opens and migrates.
    ///
    /// Only `run`, `ingest` and `migrate` may create a SQLite warehouse (`creates`): for every
    /// other command a missing file is a forgotten `--database`, and creating it would only
    /// answer "no rides" from an empty warehouse, so it is refused (exit 2) and nothing is created.
    func openWarehouse(logger: Logger, migrate: Bool = true, creates: Bool = false) async throws -> any Warehouse {
        let location = try WarehouseLocation(parsing: databaseURL)
        if !creates, case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw CLIFailure.usage("no warehouse at \(path): point \(flag: .database) sqlite:PATH (or \(variable: .database)) at the file "
                                   + "`deloton run`, `ingest` or `migrate` created, or create one with `deloton migrate`")
        }
        return try await Warehouses.open(databaseURL, migrate: migrate, logger: logger)
    }
}

/// How much a command says and in which form; every command has these.
struct ConsoleOptions: ParsableArguments {
    @Option(help: .setting(.logLevel)) var logLevel: String?
    @Option(help: .setting(.logFormat)) var logFormat: String?
    @Flag(help: .setting(.verbose)) var verbose = false
    @Flag(help: .setting(.quiet)) var quiet = false

    /// Bootstraps logging once per process; mistakes are usage errors (exit 2).
    func logger(_ label: String) throws -> Logger {
        let verbose = self.verbose || Env.flag(.verbose), quiet = self.quiet || Env.flag(.quiet)
        if verbose, quiet { throw CLIFailure.usage("\(flag: .verbose) and \(flag: .quiet) exclude each other (\(variable: .verbose), \(variable: .quiet))") }
        // --log-level names a level exactly, so it wins over the two shorthands.
        let name = logLevel ?? Env.value(.logLevel) ?? (verbose ? "debug" : quiet ? "warning" : Env.text(.logLevel, flag: nil))
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw CLIFailure.usage("\(flag: .logLevel) \(name) is not a level: use trace, debug, info, notice, warning or error")
        }
        let formatName = Env.text(.logFormat, flag: logFormat)
        guard let format = LogFormat(rawValue: formatName.lowercased()) else {
            throw CLIFailure.usage("\(flag: .logFormat) \(formatName) is not a format: use text or json (\(variable: .logFormat))")
        }
        LogSetup.bootstrap(level: level, format: format)
        Console.use(format, quiet: quiet)
        return Logger(label: label)
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

/// Where reads that may lag the primary a moment go (`serve`, `report`, `export`): a PostgreSQL
/// read replica. Writes and migrations always use `--database`.
struct ReadDatabaseOptions: ParsableArguments {
    @Option(help: .setting(.readDatabase)) var readDatabase: String?

    /// The replica's URL, checked before any work (exit 2), or nil when none is set.
    func checkedURL(primary: String) throws -> String? {
        guard let url = readDatabase ?? Env.value(.readDatabase), !url.isEmpty else { return nil }
        guard case .postgres = try? WarehouseLocation(parsing: url) else {
            throw CLIFailure.usage("\(flag: .readDatabase) must be a PostgreSQL URL, postgres://user[:pass]@host:port/db[?sslmode=...], "
                                   + "of a read replica of \(flag: .database) (got '\(Redact.url(url))')")
        }
        // The replica answers the primary's SQL: a SQLite primary has no replica to read.
        guard case .postgres = try? WarehouseLocation(parsing: primary) else {
            throw CLIFailure.usage("\(flag: .readDatabase) needs \(flag: .database) on PostgreSQL too: it names a replica of that warehouse")
        }
        return url
    }

    /// Opens the replica, if any, as it is: its schema is the primary's, migrated there and replicated.
    static func open(_ url: String?, logger: Logger) async throws -> (any Warehouse)? {
        guard let url else { return nil }
        return try await Warehouses.open(url, migrate: false, logger: logger)
    }
}
