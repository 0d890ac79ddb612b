import DelotonCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// The embedded warehouse: one SQLite file in WAL mode, written through GRDB.
public final class SQLiteWarehouse: Warehouse {
    public let kind = WarehouseKind.sqlite
    public let path: String
    let pool: DatabasePool
    private let checkpointer: SQLiteCheckpointer
    private let closed = Atomic<Bool>(false)
    private let logger: Logger
    public var sql: any SQLExecutor { SQLiteExecutor(pool: pool) }
    public var staging: any ProfileStaging { self }
    /// One host, one writing process: `deloton run` wakes its readers itself after each batch, and others poll.
    public var changes: any ChangeFeed { NoChangeFeed() }

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // WAL + NORMAL: a committed batch survives a crash of the process (what ingest
            // promises); only a power cut can lose the last transactions, which the source replays.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // SQLiteCheckpointer does it, so that no commit waits for the database file's fsync;
            // a commit checkpoints only when a bulk load outruns it.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SQLiteCheckpointer.writerPages)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            throw WarehouseError(.configuration, "cannot open database \(path): folder \(dir) does not exist")
        }
        Self.restrictToOwner(path)
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw WarehouseError(.unavailable, "cannot open database \(path): \(Self.describe(error)) (check the path and its permissions)")
        }
        checkpointer = SQLiteCheckpointer(path: path, logger: logger)
    }

    deinit { checkpointer.stopInBackground() }

    /// The database holds riders' personal and health data: it is made owner-only (0600) before
    /// SQLite opens it, and SQLite gives its -wal and -shm files the database file's mode. Files
    /// left by an older version are tightened as well.
    static func restrictToOwner(_ path: String) {
        guard !path.isEmpty, path != ":memory:" else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { _ = Glibc.close(fd) }
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] where FileManager.default.fileExists(atPath: file) {
            chmod(file, 0o600)
        }
    }

    @discardableResult public func migrate() async throws -> [String] {
        do {
            let migrator = SQLiteSchema.migrator
            let before = try await pool.read { try SQLiteSchema.migrator.appliedIdentifiers($0) }
            try migrator.migrate(pool)
            let after = try await pool.read { try SQLiteSchema.migrator.appliedIdentifiers($0) }
            // Another process migrating at the same moment may have applied some of these.
            return migrator.migrations.filter { after.contains($0) && !before.contains($0) }
        } catch {
            throw WarehouseError(.unavailable, "cannot migrate database \(path): \(Self.describe(error))")
        }
    }

    /// Safe to call twice: GRDB would run the second call's checkpoint on a closed connection.
    public func close() async throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await checkpointer.stop()
        // SQLite copies the log into the database file when its last connection closes, but GRDB
        // closes the writer before the readers, which cannot write: the log, possibly holding all
        // that a short run wrote, would stay beside a nearly empty file. Copy it in now, so the file
        // alone is the whole warehouse (for a copy of it, the sqlite3 shell, a BI tool).
        do {
            _ = try await pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        } catch {
            logger.warning("could not copy the write-ahead log into \(path) on close: \(Self.describe(error)); it is kept beside it as \(path)-wal")
        }
        try pool.close()
    }

    public func write(_ batch: IngestBatch) async throws -> WriteOutcome {
        do {
            return try await pool.write { db in try SQLiteIngestWriter(db: db).write(batch) }
        } catch let e as WarehouseError {
            throw e
        } catch let e as DatabaseError where [.SQLITE_CONSTRAINT, .SQLITE_RANGE, .SQLITE_MISMATCH, .SQLITE_TOOBIG].contains(e.resultCode) {
            throw WarehouseError(.data, "SQLite refused a value of the batch: \(Self.describe(e))")
        } catch {
            throw WarehouseError(.failed, "writing to \(path) failed: \(Self.describe(error))")
        }
    }

    public func openRides(streamPrefix: String) async throws -> [OpenRide] {
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(OpenRideRow.columns) FROM rides WHERE in_progress = 1 AND state IS NOT NULL AND substr(stream, 1, ?) = ?
                """, arguments: [streamPrefix.count, streamPrefix])
                .map { row -> (String, String, String) in (row["state"], row["hr_histogram"], row["power_histogram"]) }
        }
        let decoder = JSONDecoder()
        return try rows.map { try OpenRideRow.decode(state: $0.0, heartRateBins: $0.1, powerBins: $0.2, with: decoder) }
    }

    /// Rows to a statement: each chunk is its own short transaction, so ingest's writes (and
    /// readers, under WAL) never wait long behind a purge of years.
    static let retentionChunk = 10_000

    public func purgeReadings(ofRidesStartedBefore cutoff: Instant) async throws -> Int {
        var total = 0
        while true {
            let statement: SQL = """
                DELETE FROM readings WHERE (ride_id, elapsed_s) IN (
                    SELECT g.ride_id, g.elapsed_s FROM rides d JOIN readings g ON g.ride_id = d.id
                    WHERE d.start_time < \(cutoff) LIMIT \(Self.retentionChunk))
                RETURNING 1
                """
            let deleted = try await sql.transaction([statement]).first?.count ?? 0
            total += deleted
            if deleted < Self.retentionChunk { return total }
            await Task.yield()
        }
    }

    public func sourcePositions(prefix: String) async throws -> [String: Int64] {
        try await pool.read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, position FROM source_positions WHERE substr(source, 1, ?) = ?",
                                        arguments: [prefix.count, prefix]) {
                out[row["source"]] = row["position"]
            }
            return out
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        return "\(error)"
    }
}

/// SQLite keeps no raw profiles: a ride's `[SYSTEM]` line lives on only as the cleaned rider.
extension SQLiteWarehouse: ProfileStaging {
    public var keepsProfiles: Bool { false }
    public func purgeStaging(olderThanDays days: Int?) async throws -> Int { throw StagingUnsupported(kind: kind) }
    public func reprocess() async throws -> ReprocessSummary { throw StagingUnsupported(kind: kind) }
}

/// Shared SQL on SQLite.
struct SQLiteExecutor: SQLExecutor {
    let pool: DatabasePool

    func query(_ sql: SQL) async throws -> [SQLRow] {
        let (text, args) = Self.prepared(sql)
        return try await pool.read { db in try Self.rows(db, text, args) }
    }

    func execute(_ sql: SQL) async throws {
        let (text, args) = Self.prepared(sql)
        try await pool.write { db in try db.execute(sql: text, arguments: args) }
    }

    func transaction(_ statements: [SQL]) async throws -> [[SQLRow]] {
        let prepared = statements.map(Self.prepared)
        return try await pool.write { db in try prepared.map { try Self.rows(db, $0.0, $0.1) } }
    }

    static func prepared(_ sql: SQL) -> (String, StatementArguments) {
        let (text, binds) = sql.rendered(for: .sqlite)
        return (text, arguments(binds))
    }

    static func rows(_ db: Database, _ text: String, _ args: StatementArguments) throws -> [SQLRow] {
        let statement = try db.makeStatement(sql: text)
        let columns = statement.columnNames
        return try Row.fetchAll(statement, arguments: args).map { row in
            SQLRow(columns: columns, values: (0..<row.count).map { value(row[$0] as DatabaseValue) })
        }
    }

    static func value(_ v: DatabaseValue) -> SQLValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
        }
    }

    /// SQLite's storage classes for the typed binds: flags 0/1, dates `YYYY-MM-DD` text and
    /// instants microseconds, as the schema keeps them.
    static func arguments(_ binds: [SQLBind]) -> StatementArguments {
        StatementArguments(binds.map { bind -> (any DatabaseValueConvertible)? in
            switch bind {
            case .int(let v): return v
            case .double(let v): return v
            case .text(let v): return v
            case .bool(let v): return v.map { Int64($0 ? 1 : 0) }
            case .date(let v): return v?.description
            case .instant(let v): return v?.microseconds
            }
        })
    }
}
