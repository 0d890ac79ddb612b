import DelotonCore
import Logging

/// Where deloton keeps everything: SQLite (embedded default) or PostgreSQL (production).
///
/// The ingest path and the schema are written per database, for speed; everything else is
/// shared SQL run through `sql` (see the `Queries` folder), so both answer alike.
public protocol Warehouse: Sendable {
    var kind: WarehouseKind { get }
    var sql: any SQLExecutor { get }
    /// Staged raw profiles and `reprocess`: kept by PostgreSQL; SQLite answers `StagingUnsupported`.
    var staging: any ProfileStaging { get }
    /// Commits announced to every process as they happen: PostgreSQL pushes them (LISTEN/NOTIFY);
    /// SQLite pushes nothing (`NoChangeFeed`) and its readers poll.
    var changes: any ChangeFeed { get }

    /// Creates or upgrades the schema; safe to run again and from two processes at once. Returns
    /// the migrations this call applied (`4-unknown-profile-fields`), so `migrate` can say what it did.
    @discardableResult func migrate() async throws -> [String]
    /// Writes one batch in one transaction: riders, rides, readings, alerts, quarantine and source
    /// positions. Every write is an idempotent upsert; tombstoned rides and riders are skipped.
    func write(_ batch: IngestBatch) async throws -> WriteOutcome
    /// The saved state of rides still open on streams whose name starts with `streamPrefix`.
    func openRides(streamPrefix: String) async throws -> [OpenRide]
    /// The positions saved with the last committed batches, per source.
    func sourcePositions(prefix: String) async throws -> [String: Int64]
    /// Readings retention: removes the readings of rides that started before `cutoff`, keeping
    /// the rides, riders and every figure stored with them. Returns how many readings went.
    func purgeReadings(ofRidesStartedBefore cutoff: Instant) async throws -> Int
    func close() async throws
}

/// Which database a warehouse is. Messages print the raw value.
public enum WarehouseKind: String, Sendable, CustomStringConvertible {
    case sqlite, postgresql

    public var description: String { rawValue }
}

/// What a committed batch did, for the alert dispatcher and the end-of-ride webhook.
public struct WriteOutcome: Sendable {
    public var rideIDs: [RideKey: Int64] = [:]
    /// Rides that ended in this batch.
    public var endedRideIDs: [Int64] = []
    /// Alerts newly recorded in this batch.
    public var newAlertIDs: [Int64] = []
    /// Rides skipped because they were deleted through the API.
    public var tombstonedRides = 0
    /// Readings this batch added; the others were stored already (a replay, a redelivery).
    public var newReadings = 0

    public init() {}
}

public struct WarehouseError: Error, CustomStringConvertible, Sendable {
    /// `.data`: the database refused a value of the batch (out of range, a constraint): the same
    /// batch will fail again, but its other rows can be written without the offending ones.
    public enum Kind: Sendable { case configuration, unavailable, failed, data }
    public var kind: Kind
    public var message: String
    /// The setting to fix or check, when one is what a person must change.
    public var setting: Setting?

    public init(_ kind: Kind, _ message: String, setting: Setting? = nil) {
        self.kind = kind; self.message = message; self.setting = setting
    }
    public var description: String { message }
}

/// Where the warehouse is (`Setting.database`): `sqlite:PATH`, or `postgres://` / `postgresql://` URLs.
public enum WarehouseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    public init(parsing url: String) throws {
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else {
                throw WarehouseError(.configuration, "\(flag: .database) sqlite: needs a file path, e.g. sqlite:deloton.sqlite",
                                     setting: .database)
            }
            self = .sqlite(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(try PostgresSettings(url: url))
        } else {
            throw WarehouseError(.configuration,
                "\(flag: .database) must be sqlite:PATH or postgres://user[:pass]@host:port/db (got '\(Redact.url(url))')",
                setting: .database)
        }
    }
}

public enum Redact {
    /// Hides the password of a URL, for messages and logs.
    public static func url(_ s: String) -> String {
        guard let scheme = s.range(of: "://"), let at = s.range(of: "@", range: scheme.upperBound..<s.endIndex) else { return s }
        let userinfo = s[scheme.upperBound..<at.lowerBound]
        guard let colon = userinfo.firstIndex(of: ":") else { return s }
        return String(s[..<colon]) + ":***" + String(s[at.lowerBound...])
    }
}

public enum Warehouses {
    /// Opens (and, with `migrate`, migrates) the warehouse at `url`.
    public static func open(_ url: String, migrate: Bool = true, logger: Logger) async throws -> any Warehouse {
        let location = try WarehouseLocation(parsing: url)
        let warehouse: any Warehouse
        switch location {
        case .sqlite(let path):
            warehouse = try SQLiteWarehouse(path: path, logger: logger)
        case .postgres(let settings):
            warehouse = try await PostgresWarehouse(settings: settings, logger: logger)
        }
        if migrate { try await warehouse.migrate() }
        return warehouse
    }
}
