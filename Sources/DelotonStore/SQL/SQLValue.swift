/// A value bound to or read from SQL, the same for SQLite and PostgreSQL.
///
/// Queries that both warehouses answer are written once (see `SQLExecutor`); only the hot
/// ingest path and the schema are written per database.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public var int: Int64? {
        switch self {
        case .int(let v): return v
        case .double(let v): return Int64(exactly: v.rounded()) 
        case .text(let s): return Int64(s)
        case .null: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        case .text(let s): return Double(s)
        case .null: return nil
        }
    }

    public var text: String? {
        switch self {
        case .text(let s): return s
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .null: return nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .int(let v): return v != 0
        case .text(let s): return s == "t" || s == "true" || s == "1"
        case .double(let v): return v != 0
        case .null: return nil
        }
    }
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue {
    public init(_ v: Int?) { self = v.map { .int(Int64($0)) } ?? .null }
    public init(_ v: Int64?) { self = v.map { .int($0) } ?? .null }
    public init(_ v: Double?) { self = v.map { .double($0) } ?? .null }
    public init(_ v: String?) { self = v.map { .text($0) } ?? .null }
    public init(_ v: Bool) { self = .int(v ? 1 : 0) }
}

/// One result row; columns are read by name.
public struct SQLRow: Sendable {
    public var columns: [String]
    public var values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) { self.columns = columns; self.values = values }

    public subscript(_ name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }
}

/// A statement with `?` placeholders. Casts are written PostgreSQL-style (`?::date`) and
/// removed for SQLite, which has no such syntax and needs none.
public struct SQL: Sendable, ExpressibleByStringLiteral {
    public var text: String
    public var binds: [SQLValue]

    public init(_ text: String, _ binds: [SQLValue] = []) { self.text = text; self.binds = binds }
    public init(stringLiteral value: String) { self.init(value) }
}

/// Runs shared SQL on one database: what the API, the report, the outbox and the keys use.
public protocol SQLExecutor: Sendable {
    func query(_ sql: SQL) async throws -> [SQLRow]
    func execute(_ sql: SQL) async throws
    /// Runs the statements in order in one transaction; returns each statement's rows
    /// (use `RETURNING` to learn what a write touched).
    @discardableResult
    func transaction(_ statements: [SQL]) async throws -> [[SQLRow]]
}
