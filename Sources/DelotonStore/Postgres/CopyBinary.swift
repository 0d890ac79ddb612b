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

    /// One row of `readingColumns`; only for readings that `fits`. Times beyond what the server
    /// holds go as -infinity or infinity, as a bound instant does.
    @inline(__always)
    package static func reading(_ b: inout ByteBuffer, ride: Int64, _ r: Reading) {
        b.writeInteger(Int16(7))
        b.writeInteger(Int32(8)); b.writeInteger(ride)
        b.writeInteger(Int32(4)); b.writeInteger(Int32(truncatingIfNeeded: r.elapsed))
        b.writeInteger(Int32(8)); b.writeInteger(PostgresInstant.sinceY2K(r.time))
        b.writeInteger(Int32(4)); b.writeInteger(Int32(truncatingIfNeeded: r.heartRate))
        b.writeInteger(Int32(4)); b.writeInteger(Int32(truncatingIfNeeded: r.rpm))
        b.writeInteger(Int32(8)); b.writeInteger(r.power.bitPattern)
        b.writeInteger(Int32(4)); b.writeInteger(Int32(truncatingIfNeeded: r.resistance))
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
