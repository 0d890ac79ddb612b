import DelotonCore
import Logging
import NIOCore
import PostgresNIO

/// Readings in COPY's binary format, written straight into a buffer.
///
/// Binary, not text: the server then stores each field as it arrives instead of parsing digits
/// and dates, and parsing was most of its COPY cost (the `timestamptz` column above all: text
/// COPY of readings ran at 0.72 of its integer-time rate, binary runs faster than either;
/// Benchmarks/RESULTS.md). Each field is its column's own type: `readingColumns`' order.
package enum CopyBinary {
    package static let readingColumns = ["ride_id", "elapsed_s", "time", "heart_rate", "rpm", "power_w", "resistance"]

    /// The stream's header: signature, flags (no OIDs), no extension.
    package static func header(_ b: inout ByteBuffer) {
        b.writeBytes([UInt8(ascii: "P"), UInt8(ascii: "G"), UInt8(ascii: "C"), UInt8(ascii: "O"), UInt8(ascii: "P"),
                      UInt8(ascii: "Y"), 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
        b.writeInteger(Int32(0))
        b.writeInteger(Int32(0))
    }

    /// The stream's end: a tuple of -1 fields.
    package static func trailer(_ b: inout ByteBuffer) {
        b.writeInteger(Int16(-1))
    }

    /// Whether a reading's integers fit their `integer` columns. The parser's limits keep them
    /// far inside; one that did not would go the bound way and be refused there, as before.
    @inline(__always)
    package static func fits(_ r: Reading) -> Bool {
        Int32(exactly: r.elapsed) != nil && Int32(exactly: r.heartRate) != nil && Int32(exactly: r.rpm) != nil
            && Int32(exactly: r.resistance) != nil
    }

    /// The bytes of one row: the field count, then each field's length and value.
    static let rowBytes = 2 + 7 * 4 + 8 + 4 + 8 + 4 + 4 + 8 + 4

    /// One row of `readingColumns`; only for readings that `fits`. Times beyond what the server
    /// holds go as -infinity or infinity, as a bound instant does.
    ///
    /// Stored straight into the buffer's memory, with one capacity check per row: field by field
    /// through `writeInteger` (fourteen capacity and exclusivity checks per row) this was a tenth
    /// of the whole ingest's CPU.
    @inline(__always)
    package static func reading(_ b: inout ByteBuffer, ride: Int64, _ r: Reading) {
        b.writeWithUnsafeMutableBytes(minimumWritableBytes: rowBytes) { out in
            var at = 0
            func put<T: FixedWidthInteger>(_ value: T) {
                out.storeBytes(of: value.bigEndian, toByteOffset: at, as: T.self)
                at += MemoryLayout<T>.size
            }
            put(Int16(7))
            put(Int32(8)); put(ride)
            put(Int32(4)); put(Int32(truncatingIfNeeded: r.elapsed))
            put(Int32(8)); put(PostgresInstant.sinceY2K(r.time))
            put(Int32(4)); put(Int32(truncatingIfNeeded: r.heartRate))
            put(Int32(4)); put(Int32(truncatingIfNeeded: r.rpm))
            put(Int32(8)); put(r.power.bitPattern)
            put(Int32(4)); put(Int32(truncatingIfNeeded: r.resistance))
            return at
        }
    }

    /// Runs `COPY table (readingColumns) FROM STDIN (FORMAT binary)`, `write` filling the stream
    /// between header and trailer a buffer at a time.
    ///
    /// PostgresNIO 1.33's `copyFrom` has only the text format: it writes `COPY "<table>"` and then
    /// its own `FROM STDIN WITH (FORMAT text)`. The table name is ours, a constant, so it carries
    /// the whole statement and ends in a comment that makes the library's tail inert. Replace
    /// this with the library's binary format once it has one.
    package static func copyReadings(into table: String, on connection: PostgresConnection, logger: Logger,
                                     _ write: (inout ByteBuffer, PostgresCopyFromWriter) async throws -> Void) async throws {
        let columns = readingColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        let statement = "\(table)\" (\(columns)) FROM STDIN WITH (FORMAT binary) --"
        try await connection.copyFrom(table: statement, logger: logger) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            header(&buffer)
            try await write(&buffer, writer)
            trailer(&buffer)
            try await writer.write(buffer)
        }
    }
}
