import DelotonCore
import Foundation
import Logging
import PostgresNIO

// Shared SQL on PostgreSQL: conventions for query writers (the same SQL also runs on SQLite).
//
// - Placeholders are `?`; they become `$1...$n` here (a `?` inside a '...' string literal or a
//   "..." identifier is left alone). Every value is sent as text of unspecified type, so the server
//   infers its type from the context exactly as it would for a literal: `rider_id = ?`,
//   `substr(stream, 1, ?)`, `LIMIT ?`, `day = ?` with 'YYYY-MM-DD' all work. Where the context says
//   nothing (`SELECT ?`, `? IS NULL`, `COALESCE(?, ?)`, arithmetic between two placeholders),
//   cast it PostgreSQL-style, e.g. `?::bigint`, `?::text`, `?::date`; SQLite drops the cast.
// - Unqualified table names resolve to schema `production` (then `staging`, for `quarantine`):
//   the tables and columns are those of SQLiteSchema with the same meaning.
// - Times are BIGINT microseconds since the epoch, as in SQLite. Dates (`riders.date_of_birth`,
//   `riders.account_created`, `reports_sent.day`) are DATE columns that read back as 'YYYY-MM-DD'
//   text, as SQLite stores them; compare them with 'YYYY-MM-DD' binds.
// - Flags (`rides.in_progress`, `rides.alert_raised`, `riders.postcode_valid`) are SMALLINT 0/1 with a
//   CHECK, so `WHERE in_progress = 1` and `SUM(alert_raised)` work on both.
// - Reading back: integer types give `.int`; float types `.double`; NUMERIC (what AVG and
//   SUM(bigint) return in PostgreSQL) gives `.int` when it has no fractional digits (SUM) and
//   `.double` otherwise (AVG, ROUND(x, 2)); booleans `.int(0/1)`; DATE 'YYYY-MM-DD' text;
//   TIMESTAMP(TZ) microseconds since the epoch; everything else text.
// - Integer division truncates on both, but AVG of integers is fractional on both only because
//   SQLite's AVG is always REAL: write `AVG(x)` (not `SUM(x) / COUNT(x)`) when a fraction is meant,
//   and `SUM(x) * 1.0 / n` to force one.
// - `INSERT OR IGNORE` / `REPLACE` / `strftime` / `substr(x, -n)` are SQLite-only: use
//   `ON CONFLICT ... DO NOTHING`, `ON CONFLICT ... DO UPDATE`, integer arithmetic on microseconds.
// - `ROUND(x, n)` needs a NUMERIC x in PostgreSQL: write `ROUND((expr)::numeric, n)`.
// - `RETURNING` works on both; so do `ON CONFLICT`, `COALESCE`, `CASE`, `LIMIT ? OFFSET ?`.
struct PostgresExecutor: SQLExecutor {
    let client: PostgresClient
    let settings: PostgresSettings
    let logger: Logger

    func query(_ sql: SQL) async throws -> [SQLRow] {
        let q = try Self.postgresQuery(sql)
        do {
            return try await client.withConnection { connection in
                try await Self.rows(connection.query(q, logger: logger))
            }
        } catch {
            throw PostgresFailure.describe(error, settings: settings, doing: "run a query")
        }
    }

    func execute(_ sql: SQL) async throws {
        let q = try Self.postgresQuery(sql)
        do {
            try await client.withConnection { connection in
                _ = try await connection.query(q, logger: logger)
            }
        } catch {
            throw PostgresFailure.describe(error, settings: settings, doing: "run a statement")
        }
    }

    func transaction(_ statements: [SQL]) async throws -> [[SQLRow]] {
        let queries = try statements.map(Self.postgresQuery)
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

    // MARK: - Translation

    static func postgresQuery(_ sql: SQL) throws -> PostgresQuery {
        let (text, count) = numberPlaceholders(sql.text)
        guard count == sql.binds.count else {
            throw WarehouseError(.failed, "SQL has \(count) placeholders but \(sql.binds.count) values: \(sql.text)")
        }
        var binds = PostgresBindings(capacity: sql.binds.count)
        for value in sql.binds {
            switch value {
            case .null: binds.appendNull()
            case .int(let i): binds.append(UntypedText(String(i)))
            case .double(let d): binds.append(UntypedText(d.isFinite ? "\(d)" : (d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"))))
            case .text(let s): binds.append(UntypedText(s))
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }

    /// `?` to `$n`, skipping quoted text, identifiers, comments and the `?|`-style jsonb operators' neighbours.
    static func numberPlaceholders(_ text: String) -> (String, Int) {
        var out = "", n = 0
        out.reserveCapacity(text.utf8.count + 16)
        var quote: Character?
        var lineComment = false
        var previous: Character = " "
        for c in text {
            if lineComment {
                out.append(c)
                if c == "\n" { lineComment = false }
            } else if let q = quote {
                out.append(c)
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c; out.append(c)
            } else if c == "-", previous == "-" {
                lineComment = true; out.append(c)
            } else if c == "?" {
                n += 1; out += "$\(n)"
            } else {
                out.append(c)
            }
            previous = c
        }
        return (out, n)
    }

    // MARK: - Reading rows

    static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var out: [SQLRow] = []
        var columns: [String]?
        for try await row in sequence {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            var names: [String] = []
            for cell in row {
                values.append(try value(cell))
                if columns == nil { names.append(cell.columnName) }
            }
            if columns == nil { columns = names }
            out.append(SQLRow(columns: columns ?? names, values: values))
        }
        return out
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        if cell.format == .text {
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return .int(try cell.decode(Int64.self))
        case .float4, .float8:
            return .double(try cell.decode(Double.self))
        case .bool:
            return .int(try cell.decode(Bool.self) ? 1 : 0)
        case .numeric:
            // Header: ndigits, weight, sign, dscale (each Int16); dscale > 0 means a fraction was kept.
            let dscale = bytes.getInteger(at: bytes.readerIndex + 6, as: Int16.self) ?? 0
            let decimal = try cell.decode(Decimal.self)
            let text = "\(decimal)"
            if dscale == 0, let i = Int64(text) { return .int(i) }
            return .double(Double(text) ?? NSDecimalNumber(decimal: decimal).doubleValue)
        case .date:
            guard let days = bytes.readInteger(as: Int32.self) else { return .null }
            if days == Int32.max || days == Int32.min { return .text(days > 0 ? "infinity" : "-infinity") }
            return .text(CivilDate(daysSinceEpoch: Int(days) + 10_957).description)
        case .timestamp, .timestamptz:
            guard let us = bytes.readInteger(as: Int64.self) else { return .null }
            return .int(us &+ 946_684_800_000_000)
        case .bytea:
            return .text(String(decoding: bytes.readableBytesView, as: UTF8.self))
        default:
            return .text(try cell.decode(String.self))
        }
    }
}

/// A bind sent as text of unspecified type (OID 0): the server types it from its context, like a literal.
struct UntypedText: PostgresNonThrowingEncodable, PostgresDynamicTypeEncodable {
    static var psqlType: PostgresDataType { .null }
    static var psqlFormat: PostgresFormat { .text }
    var psqlType: PostgresDataType { .null }
    var psqlFormat: PostgresFormat { .text }
    let value: String
    init(_ value: String) { self.value = value }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(value)
    }
}
