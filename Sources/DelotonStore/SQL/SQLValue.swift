/// A value read from a result row, the same for SQLite and PostgreSQL.
///
/// PostgreSQL's values arrive as the nearest of these (see `PostgresExecutor.value`): integers
/// and booleans `.int`, floats `.double`, NUMERIC `.int` when whole and `.double` otherwise,
/// DATE `YYYY-MM-DD` text, timestamps microseconds since the epoch.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    /// A PostgreSQL array (`array_agg`), its elements as above: many rows' values in one, for
    /// results whose rows would cost more to read one by one than their values (`RecentSummary`).
    case array([SQLValue])
}
