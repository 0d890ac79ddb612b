import DelotonCore
import GRDB

/// The SQLite schema, as versioned migrations. Never edit a shipped migration: add one.
///
/// Times are integer microseconds since the epoch (UTC), flags 0/1, dates `YYYY-MM-DD` text:
/// exact and comparable. The columns bear PostgreSQL's names (a time is `start_time`, not
/// `start_time_us`, since migration 7), so one query text names one column in both; the SQL
/// layer binds an Instant as microseconds here and as `timestamptz` there.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("1-core") { db in
            for statement in [
                """
                CREATE TABLE riders (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    title TEXT,
                    first_name TEXT NOT NULL,
                    last_name TEXT NOT NULL,
                    gender TEXT NOT NULL,
                    date_of_birth TEXT NOT NULL,
                    email TEXT NOT NULL,
                    address_lines TEXT NOT NULL,
                    city TEXT NOT NULL,
                    postcode TEXT NOT NULL,
                    postcode_valid INTEGER NOT NULL,
                    height_cm INTEGER NOT NULL,
                    weight_kg INTEGER NOT NULL,
                    account_created TEXT NOT NULL,
                    original_source TEXT NOT NULL,
                    profile_as_of_us INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE bikes (
                    serial TEXT PRIMARY KEY,
                    first_ride_us INTEGER NOT NULL,
                    last_ride_us INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE rides (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    rider_id INTEGER NOT NULL REFERENCES riders(id),
                    bike_serial TEXT NOT NULL REFERENCES bikes(serial),
                    started_at_us INTEGER NOT NULL,
                    stream TEXT NOT NULL,
                    start_time_us INTEGER NOT NULL,
                    end_time_us INTEGER,
                    in_progress INTEGER NOT NULL,
                    email TEXT NOT NULL,
                    gender TEXT NOT NULL,
                    age_at_start INTEGER NOT NULL,
                    reading_count INTEGER NOT NULL,
                    hr_count INTEGER NOT NULL,
                    hr_sum INTEGER NOT NULL,
                    hr_min INTEGER,
                    hr_max INTEGER,
                    power_sum REAL NOT NULL,
                    power_max REAL,
                    rpm_sum INTEGER NOT NULL,
                    resistance_sum INTEGER NOT NULL,
                    alert_raised INTEGER NOT NULL DEFAULT 0,
                    state TEXT,
                    UNIQUE (rider_id, bike_serial, started_at_us)
                )
                """,
                "CREATE INDEX rides_start ON rides(start_time_us)",
                "CREATE INDEX rides_stream_open ON rides(stream) WHERE in_progress = 1",
                """
                CREATE TABLE readings (
                    ride_id INTEGER NOT NULL,
                    elapsed_s INTEGER NOT NULL,
                    time_us INTEGER NOT NULL,
                    heart_rate INTEGER NOT NULL,
                    rpm INTEGER NOT NULL,
                    power_w REAL NOT NULL,
                    resistance INTEGER NOT NULL,
                    PRIMARY KEY (ride_id, elapsed_s)
                ) WITHOUT ROWID
                """,
                """
                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    ride_id INTEGER NOT NULL UNIQUE,
                    rider_id INTEGER NOT NULL,
                    recipient TEXT NOT NULL,
                    rider_name TEXT NOT NULL,
                    gender TEXT NOT NULL,
                    age INTEGER NOT NULL,
                    safe_min REAL NOT NULL,
                    safe_max REAL NOT NULL,
                    samples TEXT NOT NULL,
                    raised_at_us INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_us INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    message_id TEXT,
                    sent_at_us INTEGER
                )
                """,
                "CREATE INDEX alerts_due ON alerts(next_attempt_us) WHERE status = 'pending'",
                """
                CREATE TABLE quarantine (
                    source TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    raw TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    PRIMARY KEY (source, position)
                )
                """,
                """
                CREATE TABLE source_positions (
                    source TEXT PRIMARY KEY,
                    position INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE ride_tombstones (
                    rider_id INTEGER NOT NULL,
                    bike_serial TEXT NOT NULL,
                    started_at_us INTEGER NOT NULL,
                    deleted_at_us INTEGER NOT NULL,
                    deleted_by TEXT NOT NULL,
                    PRIMARY KEY (rider_id, bike_serial, started_at_us)
                )
                """,
                """
                CREATE TABLE rider_tombstones (
                    rider_id INTEGER PRIMARY KEY,
                    erased_at_us INTEGER NOT NULL,
                    erased_by TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE api_keys (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
                    key_hash TEXT NOT NULL UNIQUE,
                    created_at_us INTEGER NOT NULL,
                    revoked_at_us INTEGER
                )
                """,
                """
                CREATE TABLE reports_sent (
                    day TEXT PRIMARY KEY,
                    sent_at_us INTEGER NOT NULL,
                    recipients TEXT NOT NULL
                )
                """,
            ] {
                try db.execute(sql: statement)
            }
        }
        m.registerMigration("2-analytics") { db in
            for statement in AnalyticsViews.sqlite(.microseconds) { try db.execute(sql: statement) }
        }
        m.registerMigration("3-report-claims") { db in
            for statement in [
                """
                CREATE TABLE report_claims (
                    day TEXT PRIMARY KEY,
                    owner TEXT NOT NULL,
                    until_us INTEGER NOT NULL
                )
                """,
            ] {
                try db.execute(sql: statement)
            }
        }
        // A descriptive [SYSTEM] field that breaks its rule is stored unknown (docs/warehouse.md).
        // SQLite cannot drop NOT NULL with ALTER TABLE; its documented way for removing NOT NULL
        // constraints edits the stored table definitions, which rewrites no row.
        m.registerMigration("4-unknown-profile-fields") { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(sql: "PRAGMA writable_schema = ON")
            for (table, column) in [("riders", "date_of_birth TEXT"), ("riders", "height_cm INTEGER"),
                                    ("riders", "weight_kg INTEGER"), ("riders", "account_created TEXT"),
                                    ("alerts", "age INTEGER")] {
                try db.execute(sql: "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
                               arguments: ["\n    \(column) NOT NULL,", "\n    \(column),", table])
            }
            try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
            let required = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM pragma_table_info('riders') WHERE "notnull" = 1
                        AND name IN ('date_of_birth', 'height_cm', 'weight_kg', 'account_created'))
                     + (SELECT count(*) FROM pragma_table_info('alerts') WHERE "notnull" = 1 AND name = 'age')
                """) ?? 0
            guard required == 0 else {
                throw DatabaseError(resultCode: .SQLITE_SCHEMA, message: "migration 4 left \(required) profile column(s) NOT NULL")
            }
            // Earlier versions stored any birth or account date, even years past 9999 that no
            // reader can parse: those become unknown, as the field rules now make them.
            for column in ["date_of_birth", "account_created"] {
                try db.execute(sql: "UPDATE riders SET \(column) = NULL WHERE length(\(column)) != 10 OR \(column) < '1900-01-01'")
            }
        }
        // Dashboard sessions and one-time sign-in links (Queries/Sessions.swift): hashes only.
        m.registerMigration("5-sessions") { db in
            for statement in [
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('link', 'session')),
                    key_name TEXT,
                    created_at_us INTEGER NOT NULL,
                    expires_at_us INTEGER NOT NULL,
                    revoked_at_us INTEGER
                )
                """,
                "CREATE INDEX sessions_expiry ON sessions (expires_at_us)",
            ] {
                try db.execute(sql: statement)
            }
        }
        // Quarantined lines may carry personal data: they are kept for a set time (Queries/
        // QuarantineRetention.swift), so each line says when it came. Rows already there count from
        // now; a trigger stamps new ones, so the ingest writer is unchanged.
        m.registerMigration("6-quarantine-age") { db in
            for statement in [
                "ALTER TABLE quarantine ADD COLUMN quarantined_at_us INTEGER",
                "UPDATE quarantine SET quarantined_at_us = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)",
                """
                CREATE TRIGGER quarantine_stamp AFTER INSERT ON quarantine WHEN NEW.quarantined_at_us IS NULL
                BEGIN
                    UPDATE quarantine SET quarantined_at_us = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
                    WHERE rowid = NEW.rowid;
                END
                """,
                "CREATE INDEX quarantine_age ON quarantine (quarantined_at_us)",
            ] {
                try db.execute(sql: statement)
            }
        }
        // PostgreSQL's names (its migration 6 also changes the types): the values stay integer
        // microseconds and 0/1. RENAME COLUMN rewrites the indexes and the quarantine trigger
        // that name a column; the views are replaced, to be the same text a new file gets.
        m.registerMigration("7-native-names") { db in
            for statement in AnalyticsViews.sqliteDrops { try db.execute(sql: statement) }
            for (table, column, name) in [
                ("riders", "profile_as_of_us", "profile_as_of"),
                ("bikes", "first_ride_us", "first_ride_at"), ("bikes", "last_ride_us", "last_ride_at"),
                ("rides", "started_at_us", "started_at"), ("rides", "start_time_us", "start_time"),
                ("rides", "end_time_us", "end_time"),
                ("readings", "time_us", "time"),
                ("alerts", "raised_at_us", "raised_at"), ("alerts", "sent_at_us", "sent_at"),
                ("alerts", "next_attempt_us", "next_attempt_at"),
                ("ride_tombstones", "started_at_us", "started_at"), ("ride_tombstones", "deleted_at_us", "deleted_at"),
                ("rider_tombstones", "erased_at_us", "erased_at"),
                ("api_keys", "created_at_us", "created_at"), ("api_keys", "revoked_at_us", "revoked_at"),
                ("reports_sent", "sent_at_us", "sent_at"),
                ("report_claims", "until_us", "claimed_until"),
                ("sessions", "created_at_us", "created_at"), ("sessions", "expires_at_us", "expires_at"),
                ("sessions", "revoked_at_us", "revoked_at"),
                ("quarantine", "quarantined_at_us", "quarantined_at"),
            ] {
                try db.execute(sql: "ALTER TABLE \(table) RENAME COLUMN \(column) TO \(name)")
            }
            for statement in AnalyticsViews.sqlite(.native) { try db.execute(sql: statement) }
        }
        // What `/daily` validates a finished day's answer by (Queries/RideDayVersion.swift): a
        // counter per UTC hour of start time, bumped by triggers whoever deletes or changes a ride.
        m.registerMigration("8-ride-hour-changes") { db in
            let bump = { (hour: String) in
                """
                INSERT INTO ride_hour_changes (hour, version) VALUES (\(hour) / 3600000000, 1)
                    ON CONFLICT (hour) DO UPDATE SET version = ride_hour_changes.version + 1;
                """
            }
            for statement in [
                "CREATE TABLE ride_hour_changes (hour INTEGER PRIMARY KEY, version INTEGER NOT NULL)",
                """
                CREATE TRIGGER rides_deleted_mark AFTER DELETE ON rides
                BEGIN
                    \(bump("OLD.start_time"))
                END
                """,
                // A ride in progress changes with every batch and is never part of a settled day.
                """
                CREATE TRIGGER rides_changed_mark AFTER UPDATE ON rides WHEN OLD.in_progress = 0
                BEGIN
                    \(bump("OLD.start_time"))
                    \(bump("NEW.start_time"))
                END
                """,
            ] {
                try db.execute(sql: statement)
            }
        }
        // Each ride's histograms (`RideHistogram`), kept by ingest from now on and filled here
        // from the readings stored so far, so the report never reads readings again.
        m.registerMigration("9-ride-histograms") { db in
            for (column, width, bin, condition) in [
                ("hr_histogram", RideHistogram.heartRateWidth, "heart_rate / \(RideHistogram.heartRateWidth)", "heart_rate > 0"),
                ("power_histogram", RideHistogram.powerWidth, "CAST(power_w AS INTEGER) / \(RideHistogram.powerWidth)", "1"),
            ] {
                try db.execute(sql: "ALTER TABLE rides ADD COLUMN \(column) TEXT NOT NULL DEFAULT ''")
                try db.execute(sql: """
                    UPDATE rides SET \(column) = h.text
                    FROM (SELECT ride_id, group_concat((bin * \(width)) || ':' || n, ',') AS text
                          FROM (SELECT ride_id, \(bin) AS bin, count(*) AS n FROM readings WHERE \(condition)
                                GROUP BY ride_id, bin ORDER BY ride_id, bin)
                          GROUP BY ride_id) AS h
                    WHERE rides.id = h.ride_id
                    """)
            }
        }
        // Counts and sums per quarter hour × gender × age group (`RideRollups` says why), kept by
        // triggers on every change of a ride, and filled here from the rides.
        m.registerMigration("10-ride-rollups") { db in
            func add(_ row: String, sign: Int) -> String {
                // `WHERE true`: SQLite needs it to tell the SELECT from the upsert clause.
                RideRollups.upsert(into: "ride_rollups", """
                    SELECT \(RideRollups.contribution(row, sign: sign, quarter: RideRollups.sqliteQuarter)) WHERE true
                    """, alias: false) + ";"
            }
            let changed = (["start_time", "gender", "age_at_start"] + ["reading_count", "hr_count", "hr_sum", "power_sum"])
                .map { "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ")
            let sums = RideRollups.figures.map { "sum(\($0))" }.joined(separator: ", ")
            for statement in [
                """
                CREATE TABLE ride_rollups (
                    quarter INTEGER NOT NULL, gender TEXT NOT NULL, age_group TEXT NOT NULL,
                    rides INTEGER NOT NULL, readings INTEGER NOT NULL, hr_count INTEGER NOT NULL, hr_sum INTEGER NOT NULL,
                    power_sum REAL NOT NULL,
                    PRIMARY KEY (quarter, gender, age_group)
                ) WITHOUT ROWID
                """,
                "CREATE TRIGGER rides_inserted_roll_up AFTER INSERT ON rides BEGIN \(add("NEW", sign: 1)) END",
                // Only when a figure changed: an alert flag or a ride's saved state moves nothing.
                "CREATE TRIGGER rides_updated_roll_up AFTER UPDATE ON rides WHEN \(changed) BEGIN \(add("OLD", sign: -1)) \(add("NEW", sign: 1)) END",
                "CREATE TRIGGER rides_deleted_roll_up AFTER DELETE ON rides BEGIN \(add("OLD", sign: -1)) END",
                RideRollups.upsert(into: "ride_rollups", """
                    SELECT quarter, gender, age_group, \(sums)
                    FROM (SELECT \(RideRollups.contribution("x", sign: 1, quarter: RideRollups.sqliteQuarter)) FROM rides AS x)
                    WHERE true GROUP BY quarter, gender, age_group
                    """, alias: false),
            ] {
                try db.execute(sql: statement)
            }
        }
        return m
    }
}
