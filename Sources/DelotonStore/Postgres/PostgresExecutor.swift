import DelotonCore
import Foundation
import Logging
import PostgresNIO

// Shared SQL on PostgreSQL: conventions for query writers (the same SQL also runs on SQLite).
//
// - Values are interpolated into `SQL` and bound with their types (`SQLBind`): an Int is int8, a
//   Double float8, a String text, a Bool boolean, a CivilDate date, an Instant timestamptz. The
//   server needs no cast to type a placeholder; where one database needs SQL the other must not
//   see, write `\(sqlite: ..., postgres: ...)`. Use the portable `CAST(x AS type)` for casts both
//   may run.
// - Unqualified table names resolve to schema `production` (then `staging`, for `quarantine`):
//   the tables and columns are those of SQLiteSchema with the same meaning.
// - Times are `timestamptz` (SQLite: integer microseconds since the epoch under the same
//   name): bind them as Instant, never as a number, and write arithmetic on them with
//   `\(sqlite:postgres:)`. Dates (`riders.date_of_birth`, `riders.account_created`,
//   `reports_sent.day`) are DATE columns that read back as 'YYYY-MM-DD' text, as SQLite stores
//   them; compare them with CivilDate binds.
// - Flags (`rides.in_progress`, `rides.alert_raised`, `riders.postcode_valid`) are `boolean`
//   (SQLite: 0/1): test them bare (`WHERE in_progress`, `NOT in_progress`) or against a Bool
//   bind, and count them with `CASE WHEN flag THEN 1 ELSE 0 END`, which both read alike.
// - Reading back: see `SQLValue`. NUMERIC (what AVG and SUM(bigint) return in PostgreSQL) is
//   decoded by PostgresNIO as Decimal and arrives `.int` when whole, `.double` otherwise.
// - Integer division truncates on both, but AVG of integers is fractional on both only because
//   SQLite's AVG is always REAL: write `AVG(x)` (not `SUM(x) / COUNT(x)`) when a fraction is meant,
//   and `SUM(x) * 1.0 / n` to force one.
// - `INSERT OR IGNORE` / `REPLACE` / `strftime` / `substr(x, -n)` are SQLite-only: use
//   `ON CONFLICT ... DO NOTHING`, `ON CONFLICT ... DO UPDATE`, integer arithmetic on microseconds.
// - `RETURNING` works on both; so do `ON CONFLICT`, `COALESCE`, `CASE`, `LIMIT ? OFFSET ?`.
struct PostgresExecutor: SQLExecutor {
    let client: PostgresClient
    let settings: PostgresSettings
    let logger: Logger

    func query(_ sql: SQL) async throws -> [SQLRow] {
        let q = Self.postgresQuery(sql)
        do {
            return try await client.withConnection { connection in
                try await Self.rows(connection.query(q, logger: logger))
            }
        } catch {
            throw PostgresFailure.describe(error, settings: settings, doing: "run a query")
        }
    }

    func execute(_ sql: SQL) async throws {
        let q = Self.postgresQuery(sql)
        do {
            try await client.withConnection { connection in
                _ = try await connection.query(q, logger: logger)
            }
        } catch {
            throw PostgresFailure.describe(error, settings: settings, doing: "run a statement")
        }
    }

    func transaction(_ statements: [SQL]) async throws -> [[SQLRow]] {
        let queries = statements.map(Self.postgresQuery)
        do {
            return try await client.withTransaction(logger: logger) { connection in
                var out: [[SQLRow]] = []
                for q in queries { out.append(try await Self.rows(connection.query(q, logger: logger))) }
                return out
            }
        } catch {
            throw PostgresFailure.describe(error, settings: settings, doing: "run a transaction")
        }
    }

    // MARK: - Binding

    static func postgresQuery(_ sql: SQL) -> PostgresQuery {
        let (text, values) = sql.rendered(for: .postgres)
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .int(let v): append(v, to: &binds)
            case .double(let v): append(v, to: &binds)
            case .text(let v): append(v, to: &binds)
            case .bool(let v): append(v, to: &binds)
            case .date(let v): append(v.map(PostgresDay.init), to: &binds)
            case .instant(let v): append(v.map(PostgresInstant.init), to: &binds)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }

    /// PostgresNIO sends a nil optional as a NULL of no type; this one keeps the value's type.
    static func append<Value: PostgresNonThrowingEncodable>(_ value: Value?, to binds: inout PostgresBindings) {
        if let value { binds.append(value) } else { binds.append(PostgresData(type: Value.psqlType)) }
    }

    // MARK: - Reading rows

    static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var out: [SQLRow] = []
        var columns: [String]?
        for try await row in sequence {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for cell in row { values.append(try value(cell)) }
            let names = columns ?? row.map(\.columnName)
            columns = names
            out.append(SQLRow(columns: names, values: values))
        }
        return out
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        if cell.format == .text {
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
        if let plain = plainValue(cell.dataType, &bytes) { return plain }
        if arrayTypes.contains(cell.dataType) { return try array(bytes) }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return .int(try cell.decode(Int64.self))
        case .float4, .float8:
            return .double(try cell.decode(Double.self))
        case .bool:
            return .int(try cell.decode(Bool.self) ? 1 : 0)
        case .numeric:
            // Header: ndigits, weight, sign, dscale (Int16 each). A dscale of 0 is a whole number
            // (SUM of integers); more is a kept fraction (AVG, ROUND(x, 2)), a number even when whole.
            let dscale = bytes.getInteger(at: bytes.readerIndex + 6, as: Int16.self) ?? 0
            let decimal = try cell.decode(Decimal.self)
            if dscale == 0, decimal >= Decimal(Int64.min), decimal <= Decimal(Int64.max) {
                return .int(NSDecimalNumber(decimal: decimal).int64Value)
            }
            return .double(double(decimal))
        case .date:
            guard let days = bytes.readInteger(as: Int32.self) else { return .null }
            if days == Int32.max || days == Int32.min { return .text(days > 0 ? "infinity" : "-infinity") }
            return .text(CivilDate(daysSinceEpoch: Int(days) + 10_957).description)
        case .timestamp, .timestamptz:
            guard let us = bytes.readInteger(as: Int64.self) else { return .null }
            return .int(PostgresInstant.fromY2K(us).microseconds)
        case .bytea:
            return .text(String(decoding: bytes.readableBytesView, as: UTF8.self))
        default:
            return .text(try cell.decode(String.self))
        }
    }

    /// Text, numbers of the usual sizes and timestamps, read from their bytes: cheaper than
    /// PostgresNIO's generic `decode` for results of thousands of values (the dashboard's window).
    /// Nil for anything else.
    static func plainValue(_ type: PostgresDataType, _ bytes: inout ByteBuffer) -> SQLValue? {
        switch (type, bytes.readableBytes) {
        case (.int8, 8): return .int(bytes.readInteger(as: Int64.self) ?? 0)
        case (.int4, 4): return .int(Int64(bytes.readInteger(as: Int32.self) ?? 0))
        case (.int2, 2): return .int(Int64(bytes.readInteger(as: Int16.self) ?? 0))
        case (.float8, 8): return .double(Double(bitPattern: bytes.readInteger(as: UInt64.self) ?? 0))
        case (.bool, 1): return .int(bytes.readInteger(as: UInt8.self) == 0 ? 0 : 1)
        case (.timestamptz, 8), (.timestamp, 8): return .int(PostgresInstant.fromY2K(bytes.readInteger(as: Int64.self) ?? 0).microseconds)
        case (.text, _), (.varchar, _): return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        default: return nil
        }
    }

    /// The arrays whose elements `plainValue` reads.
    static let arrayTypes: Set<PostgresDataType> = [.int2Array, .int4Array, .int8Array, .float8Array, .boolArray,
                                                      .timestamptzArray, .textArray, .varcharArray]

    /// A one-dimensional array in PostgreSQL's binary format: dimensions, a NULL flag, the
    /// element type, each dimension's length and lower bound, then each element's length (-1 for
    /// NULL) and bytes.
    static func array(_ bytes: ByteBuffer) throws -> SQLValue {
        var b = bytes
        let malformed = WarehouseError(.failed, "PostgreSQL sent an array this reader does not understand")
        guard let dimensions = b.readInteger(as: Int32.self), b.readInteger(as: Int32.self) != nil,
              let oid = b.readInteger(as: UInt32.self) else { throw malformed }
        if dimensions == 0 { return .array([]) }
        guard dimensions == 1, let count = b.readInteger(as: Int32.self), count >= 0, b.readInteger(as: Int32.self) != nil else {
            throw malformed
        }
        let type = PostgresDataType(oid)
        var out: [SQLValue] = []
        out.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = b.readInteger(as: Int32.self) else { throw malformed }
            if length < 0 { out.append(.null); continue }
            guard var element = b.readSlice(length: Int(length)), let value = plainValue(type, &element) else { throw malformed }
            out.append(value)
        }
        return .array(out)
    }
}

extension PostgresExecutor {
    /// The Double nearest `decimal`, as SQLite's and Swift's own arithmetic would give it.
    /// NSDecimalNumber's conversion can miss by the last bit (0.796 became 0.7959999999999999); a
    /// whole significand below 2^53 and a power of ten up to 10^22 are both exact as Doubles, so
    /// one multiplication or division rounds correctly. Longer values (AVG's 20 digits) fall back.
    static func double(_ decimal: Decimal) -> Double {
        let significand = decimal.significand
        guard significand >= 0, significand <= Decimal(1 << 53) else { return NSDecimalNumber(decimal: decimal).doubleValue }
        var whole = UInt64(NSDecimalNumber(decimal: significand).int64Value), exponent = decimal.exponent
        while whole != 0, whole % 10 == 0, exponent < 0 { whole /= 10; exponent += 1 }
        guard (-22...22).contains(exponent),
              Decimal(sign: decimal.sign, exponent: exponent, significand: Decimal(whole)) == decimal else {
            return NSDecimalNumber(decimal: decimal).doubleValue
        }
        let value = exponent >= 0 ? Double(whole) * tens[exponent] : Double(whole) / tens[-exponent]
        return decimal.sign == .minus ? -value : value
    }

    /// 10^0 ... 10^22, each exact.
    private static let tens: [Double] = (0...22).reduce(into: []) { out, n in out.append(n == 0 ? 1 : out[n - 1] * 10) }
}

/// A CivilDate as PostgreSQL's binary `date`: days since 2000-01-01.
struct PostgresDay: PostgresNonThrowingEncodable {
    static var psqlType: PostgresDataType { .date }
    static var psqlFormat: PostgresFormat { .binary }
    let date: CivilDate

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(Int32(clamping: date.daysSinceEpoch - 10_957))
    }
}

/// An Instant as PostgreSQL's binary `timestamptz`, exactly: microseconds since 2000-01-01 UTC
/// (Foundation's Date would pass through floating-point seconds).
struct PostgresInstant: PostgresNonThrowingEncodable {
    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }
    let instant: Instant

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(Self.sinceY2K(instant))
    }

    /// Microseconds since PostgreSQL's epoch, 2000-01-01. An instant outside the years
    /// PostgreSQL holds (4714 BC to 294276 AD), which the server would refuse, goes as -infinity
    /// or infinity: they compare with every time it can hold as the instant would, so a filter or
    /// cursor from far outside the data (`/rides?since=...`) finds what it should, not an error.
    static func sinceY2K(_ instant: Instant) -> Int64 {
        let (us, overflow) = instant.microseconds.subtractingReportingOverflow(946_684_800_000_000)
        if overflow || us < -211_813_488_000_000_000 { return Int64.min }
        return us >= 9_223_371_331_200_000_000 ? Int64.max : us
    }

    /// The inverse: -infinity and infinity come back as the lowest and highest instants.
    static func fromY2K(_ us: Int64) -> Instant {
        Instant(microseconds: us == Int64.min || us == Int64.max ? us : us &+ 946_684_800_000_000)
    }
}

/// Read back exactly, for the statements the ingest writer decodes itself.
extension PostgresInstant: PostgresDecodable {
    init<JSONDecoder: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
                                           context: PostgresDecodingContext<JSONDecoder>) throws {
        guard type == .timestamptz, format == .binary else { throw PostgresDecodingError.Code.typeMismatch }
        guard buffer.readableBytes == 8, let us = buffer.readInteger(as: Int64.self) else { throw PostgresDecodingError.Code.failure }
        instant = Self.fromY2K(us)
    }
}
