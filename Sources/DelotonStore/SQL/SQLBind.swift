import DelotonCore

/// A value bound to a statement, with its type: PostgreSQL receives it as that type (never as
/// text it would have to parse), and a NULL keeps the type its column expects. SQLite stores
/// each as its own storage class (see `SQLiteExecutor.arguments`).
public enum SQLBind: Sendable, Equatable, Hashable {
    case int(Int64?)
    case double(Double?)
    case text(String?)
    case bool(Bool?)
    /// PostgreSQL `date`; `YYYY-MM-DD` text in SQLite, as its date columns hold them.
    case date(CivilDate?)
    /// PostgreSQL `timestamptz`; integer microseconds since the epoch in SQLite.
    case instant(Instant?)
}

/// What an interpolation in `SQL` binds.
public protocol SQLBindable: Sendable {
    var sqlBind: SQLBind { get }
    /// NULL of this value's type.
    static var sqlNull: SQLBind { get }
}

extension Int64: SQLBindable {
    public var sqlBind: SQLBind { .int(self) }
    public static var sqlNull: SQLBind { .int(nil) }
}

extension Int: SQLBindable {
    public var sqlBind: SQLBind { .int(Int64(self)) }
    public static var sqlNull: SQLBind { .int(nil) }
}

extension Double: SQLBindable {
    public var sqlBind: SQLBind { .double(self) }
    public static var sqlNull: SQLBind { .double(nil) }
}

extension String: SQLBindable {
    public var sqlBind: SQLBind { .text(self) }
    public static var sqlNull: SQLBind { .text(nil) }
}

extension Bool: SQLBindable {
    public var sqlBind: SQLBind { .bool(self) }
    public static var sqlNull: SQLBind { .bool(nil) }
}

extension CivilDate: SQLBindable {
    public var sqlBind: SQLBind { .date(self) }
    public static var sqlNull: SQLBind { .date(nil) }
}

extension Instant: SQLBindable {
    public var sqlBind: SQLBind { .instant(self) }
    public static var sqlNull: SQLBind { .instant(nil) }
}
