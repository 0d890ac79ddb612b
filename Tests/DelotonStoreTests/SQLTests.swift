import DelotonCore
@testable import DelotonStore
import Foundation
import GRDB
import NIOCore
import PostgresNIO
import Testing

// GRDB has an `SQL` of its own.
private typealias SQL = DelotonStore.SQL

@Suite("SQL values: rendering, binds and decoding")
struct SQLTests {
    @Test("interpolated values become $n for PostgreSQL and ? for SQLite; the text around them is left alone")
    func placeholdersPerDialect() {
        let id: Int64 = 7, name = "it's ?"
        let sql: SQL = "SELECT '?', \"a?\" FROM t WHERE a = \(id) AND b = \(name) -- ?\nLIMIT \(10)"
        #expect(sql.rendered(for: .postgres).text == "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = $2 -- ?\nLIMIT $3")
        #expect(sql.rendered(for: .sqlite).text == "SELECT '?', \"a?\" FROM t WHERE a = ? AND b = ? -- ?\nLIMIT ?")
        #expect(sql.rendered(for: .postgres).binds == [.int(7), .text("it's ?"), .int(10)])
        #expect(sql.rendered(for: .sqlite).binds == sql.rendered(for: .postgres).binds)
    }

    @Test("dialect fragments render only for their database, binds inside them numbered in order")
    func dialectFragments() {
        let cutoff = Instant(microseconds: 1_000_000)
        let sql: SQL = """
            DELETE FROM q WHERE \(sqlite: "at_us < \(cutoff.microseconds)", postgres: "at < \(cutoff)") AND source = \("s")
            """
        #expect(sql.rendered(for: .postgres).text == "DELETE FROM q WHERE at < $1 AND source = $2")
        #expect(sql.rendered(for: .postgres).binds == [.instant(cutoff), .text("s")])
        #expect(sql.rendered(for: .sqlite).text == "DELETE FROM q WHERE at_us < ? AND source = ?")
        #expect(sql.rendered(for: .sqlite).binds == [.int(1_000_000), .text("s")])
    }

    @Test("fragments compose with their binds; raw text and lists are spelled out")
    func composition() {
        let columns: SQL = "id, name"
        var conditions: [SQL] = ["a = \(1)", "b = \(2.5)"]
        conditions.append("c IN (\(list: ["x", "y"]))")
        conditions.append("d IN (\(list: [Int]()))")
        let sql: SQL = "SELECT \(columns) FROM \(raw: "riders") WHERE \(SQL.joined(conditions, separator: " AND ")) LIMIT \(3)"
        #expect(sql.rendered(for: .postgres).text == "SELECT id, name FROM riders WHERE a = $1 AND b = $2 AND c IN ($3, $4) AND d IN (NULL) LIMIT $5")
        #expect(sql.rendered(for: .postgres).binds == [.int(1), .double(2.5), .text("x"), .text("y"), .int(3)])
    }

    @Test("every bind keeps its type, NULL included")
    func bindTypes() {
        let missing: String? = nil, age: Int? = nil, flag = true
        let day = CivilDate(year: 2024, month: 2, day: 29), at = Instant(microseconds: 5)
        let sql: SQL = "VALUES (\(missing), \(age), \(flag), \(day), \(at), \(Int64.max), \(-0.5))"
        #expect(sql.rendered(for: .postgres).binds == [.text(nil), .int(nil), .bool(true), .date(day), .instant(at), .int(.max), .double(-0.5)])
    }

    @Test("PostgreSQL receives typed binds, never text to parse")
    func postgresBindTypes() {
        let day = CivilDate(year: 2000, month: 1, day: 2), at = Instant(microseconds: 946_684_800_000_001)
        let query = PostgresExecutor.postgresQuery("VALUES (\(Int64(1)), \(1.5), \("t"), \(false), \(day), \(at), \(Optional<String>.none))")
        #expect(query.sql == "VALUES ($1, $2, $3, $4, $5, $6, $7)")
        var expected = PostgresBindings()
        expected.append(Int64(1))
        expected.append(1.5)
        expected.append("t")
        expected.append(false)
        expected.append(PostgresDay(date: day))
        expected.append(PostgresInstant(instant: at))
        expected.append(PostgresData(type: .text))
        #expect(query.binds == expected)
    }

    @Test("a date is days and an instant microseconds since 2000-01-01, exactly")
    func postgresDateAndInstantEncoding() {
        var buffer = ByteBuffer()
        PostgresDay(date: CivilDate(year: 2000, month: 1, day: 2)).encode(into: &buffer, context: .default)
        PostgresDay(date: CivilDate(year: 1999, month: 12, day: 31)).encode(into: &buffer, context: .default)
        PostgresInstant(instant: Instant(microseconds: 946_684_800_000_001)).encode(into: &buffer, context: .default)
        PostgresInstant(instant: Instant(microseconds: 0)).encode(into: &buffer, context: .default)
        #expect(buffer.readInteger(as: Int32.self) == 1)
        #expect(buffer.readInteger(as: Int32.self) == -1)
        #expect(buffer.readInteger(as: Int64.self) == 1)
        #expect(buffer.readInteger(as: Int64.self) == -946_684_800_000_000)
        #expect(PostgresDay.psqlType == .date && PostgresInstant.psqlType == .timestamptz)
        // Beyond what PostgreSQL holds: -infinity and infinity, which order the same way.
        #expect(PostgresInstant.sinceY2K(Instant(microseconds: -493_250_031_480_055_705)) == Int64.min)
        #expect(PostgresInstant.sinceY2K(Instant(microseconds: Int64.min)) == Int64.min)
        #expect(PostgresInstant.sinceY2K(Instant(microseconds: Int64.max)) == Int64.max - 946_684_800_000_000)  // 294247 AD: held
        #expect(PostgresInstant.fromY2K(Int64.max - 946_684_800_000_000) == Instant(microseconds: Int64.max))
        #expect(PostgresInstant.sinceY2K(Instant(microseconds: -211_813_488_000_000_000 + 946_684_800_000_000)) == -211_813_488_000_000_000)
    }

    @Test("COPY binary writes a reading as its columns' own types, in network byte order")
    func copyBinaryReading() {
        var row = ByteBuffer()
        CopyBinary.reading(&row, ride: 7, Reading(elapsed: 1, time: Instant(microseconds: 946_684_800_000_001), heartRate: 120,
                                                   rpm: 80, power: 150.5, resistance: 30))
        #expect(row.readInteger(as: Int16.self) == 7)
        func field<T: FixedWidthInteger>(_ type: T.Type) -> T? {
            #expect(row.readInteger(as: Int32.self) == Int32(MemoryLayout<T>.size))
            return row.readInteger(as: T.self)
        }
        #expect(field(Int64.self) == 7)
        #expect(field(Int32.self) == 1)
        #expect(field(Int64.self) == 1)  // microseconds since 2000-01-01
        #expect(field(Int32.self) == 120)
        #expect(field(Int32.self) == 80)
        #expect(field(UInt64.self) == 150.5.bitPattern)
        #expect(field(Int32.self) == 30)
        #expect(row.readableBytes == 0)
        #expect(!CopyBinary.fits(Reading(elapsed: Int(Int32.max) + 1, time: Instant(microseconds: 0), heartRate: 0, rpm: 0, power: 0,
                                         resistance: 0)))
    }

    @Test("a fractional NUMERIC becomes the nearest Double, as the same digits written in Swift")
    func numericToDouble() {
        for (decimal, double) in [(Decimal(string: "0.796000")!, 0.796), (Decimal(string: "109.172131")!, 109.172131),
                                  (Decimal(string: "-29.087886")!, -29.087886), (Decimal(string: "61.2500000000000000")!, 61.25),
                                  (Decimal(string: "792.0630783")!, 792.0630783), (Decimal(0), 0), (Decimal(string: "1e3")!, 1000)] {
            #expect(PostgresExecutor.double(decimal) == double, "\(decimal)")
        }
    }

    @Test("SQLite stores flags as 0/1, dates as YYYY-MM-DD, instants as microseconds")
    func sqliteArguments() throws {
        let args = SQLiteExecutor.arguments([.bool(true), .date(CivilDate(year: 2024, month: 2, day: 9)), .instant(Instant(microseconds: 42)), .text(nil)])
        let expected = StatementArguments([Int64(1), "2024-02-09", Int64(42), nil])
        #expect(args == expected)
    }

    @Test("decoding throws on a missing column, NULL or another type, and converts only exactly")
    func throwingDecodes() throws {
        let row = SQLRow(columns: ["n", "avg", "name", "none", "flag", "day", "whole"],
                         values: [.int(3), .double(2.5), .text("Ada"), .null, .int(1), .text("2024-02-29"), .double(4)])
        #expect(try row.decode("n", as: Int.self) == 3)
        #expect(try row.decode("n", as: Double.self) == 3)
        #expect(try row.decode("whole", as: Int64.self) == 4)
        #expect(try row.decode("avg", as: Double.self) == 2.5)
        #expect(try row.decode("name", as: String.self) == "Ada")
        #expect(try row.decode("none", as: Int?.self) == nil)
        #expect(try row.decode("n", as: Int?.self) == 3)
        #expect(try row.decode("flag", as: Bool.self))
        #expect(try row.decode("day", as: CivilDate.self) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(try row.decode("n", as: Instant.self) == Instant(microseconds: 3))
        #expect(throws: WarehouseError.self) { try row.decode("reading_count", as: Int.self) }
        #expect(throws: WarehouseError.self) { try row.decode("none", as: Int.self) }
        #expect(throws: WarehouseError.self) { try row.decode("avg", as: Int.self) }
        #expect(throws: WarehouseError.self) { try row.decode("name", as: Int.self) }
        #expect(throws: WarehouseError.self) { try row.decode("n", as: String.self) }
        #expect(throws: WarehouseError.self) { try row.decode("name", as: Double?.self) }
        #expect(throws: WarehouseError.self) { try row.decode("name", as: CivilDate.self) }
        #expect(throws: WarehouseError.self) { try row.value("missing") }
    }
}
