import DelotonCore

/// One result row; columns are read by name with `decode`, which throws rather than guess.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) { self.columns = columns; self.values = values }

    /// The value of `column`; throws when the row has no such column (a query and its reader disagree).
    public func value(_ column: String) throws -> SQLValue {
        // Lengths first: most names differ in length, and comparing those costs no call into the
        // string comparison (measurable on results of thousands of rows).
        let length = column.utf8.count
        guard let i = columns.firstIndex(where: { $0.utf8.count == length && $0 == column }), i < values.count else {
            throw WarehouseError(.failed, "a query's result has no column \(column) (it has \(columns.joined(separator: ", ")))")
        }
        return values[i]
    }

    /// The value of `column` as `type`; throws when the column is missing, NULL (decode an
    /// optional for a nullable column) or of another type.
    public func decode<Value: SQLDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        let value = try value(column)
        guard let decoded = Value(sqlValue: value) else {
            throw WarehouseError(.failed, "column \(column) holds \(Self.describe(value)), not \(Value.sqlTypeName)")
        }
        return decoded
    }

    static func describe(_ value: SQLValue) -> String {
        switch value {
        case .null: return "NULL"
        case .int(let i): return "the integer \(i)"
        case .double(let d): return "the number \(d)"
        case .text: return "text"
        case .array(let elements): return "an array of \(elements.count)"
        }
    }
}

/// A type a column can be decoded as. Conversions are exact or refused: a number never comes
/// from text, a whole number from a fraction, nor a value from NULL unless optional.
public protocol SQLDecodable {
    init?(sqlValue: SQLValue)
    static var sqlTypeName: String { get }
}

extension Int64: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .int(let i): self = i
        // SQLite computes some whole figures in REAL (floor, a sum of REALs).
        case .double(let d): guard let i = Int64(exactly: d) else { return nil }; self = i
        default: return nil
        }
    }
    public static var sqlTypeName: String { "an integer" }
}

extension Int: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        guard let i = Int64(sqlValue: sqlValue), let narrow = Int(exactly: i) else { return nil }
        self = narrow
    }
    public static var sqlTypeName: String { "an integer" }
}

extension Double: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .double(let d): self = d
        // Whole figures are integers in SQLite (`max(power_max)` of whole watts, `coalesce(x, 0)`) and whole NUMERICs in PostgreSQL.
        case .int(let i): self = Double(i)
        default: return nil
        }
    }
    public static var sqlTypeName: String { "a number" }
}

extension String: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        guard case .text(let s) = sqlValue else { return nil }
        self = s
    }
    public static var sqlTypeName: String { "text" }
}

/// Flags are 0/1 integers in both warehouses, as PostgreSQL booleans arrive too.
extension Bool: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        guard case .int(let i) = sqlValue else { return nil }
        self = i != 0
    }
    public static var sqlTypeName: String { "a flag" }
}

/// Microseconds since the epoch, as the `*_us` columns and PostgreSQL's timestamps arrive.
extension Instant: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        guard case .int(let us) = sqlValue else { return nil }
        self.init(microseconds: us)
    }
    public static var sqlTypeName: String { "an instant" }
}

/// `YYYY-MM-DD` text, as SQLite holds dates and PostgreSQL's DATE arrives.
extension CivilDate: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        guard case .text(let s) = sqlValue, s.utf8.count == 10, let date = CivilDate(iso: s) else { return nil }
        self = date
    }
    public static var sqlTypeName: String { "a date" }
}

/// A PostgreSQL array, every element decoded as `Element` (an optional one for NULL elements).
extension Array: SQLDecodable where Element: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        guard case .array(let values) = sqlValue else { return nil }
        var out: [Element] = []
        out.reserveCapacity(values.count)
        for value in values {
            guard let element = Element(sqlValue: value) else { return nil }
            out.append(element)
        }
        self = out
    }
    public static var sqlTypeName: String { "an array of \(Element.sqlTypeName)" }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public init?(sqlValue: SQLValue) {
        if sqlValue == .null { self = .none; return }
        guard let value = Wrapped(sqlValue: sqlValue) else { return nil }
        self = .some(value)
    }
    public static var sqlTypeName: String { Wrapped.sqlTypeName + " or NULL" }
}
