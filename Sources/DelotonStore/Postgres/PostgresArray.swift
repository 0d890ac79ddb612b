import DelotonCore
import PostgresNIO

/// A one-dimensional array bind in PostgreSQL's binary format, NULL elements allowed.
///
/// Batches go to the server as one array per column and come apart with `unnest(...)`: one
/// statement and one round trip for any number of rows, with a statement text that never changes.
struct PostgresArray: PostgresNonThrowingEncodable, PostgresDynamicTypeEncodable {
    static var psqlType: PostgresDataType { .textArray }
    static var psqlFormat: PostgresFormat { .binary }
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }
    private let elementType: PostgresDataType
    private var elements = ByteBuffer()
    private var count: Int32 = 0
    private var hasNull = false

    private init(element: PostgresDataType, array: PostgresDataType, capacity: Int) {
        elementType = element
        psqlType = array
        elements.reserveCapacity(capacity)
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(Int32(count == 0 ? 0 : 1))
        byteBuffer.writeInteger(Int32(hasNull ? 1 : 0))
        byteBuffer.writeInteger(Int32(bitPattern: elementType.rawValue))
        if count > 0 {
            byteBuffer.writeInteger(count)
            byteBuffer.writeInteger(Int32(1))
            var copy = elements
            byteBuffer.writeBuffer(&copy)
        }
    }

    private mutating func appendNull() {
        elements.writeInteger(Int32(-1))
        hasNull = true
        count += 1
    }

    static func int64<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Int64? {
        var a = PostgresArray(element: .int8, array: .int8Array, capacity: 64)
        for v in values {
            if let v { a.elements.writeInteger(Int32(8)); a.elements.writeInteger(v); a.count += 1 } else { a.appendNull() }
        }
        return a
    }

    static func int32<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Int32? {
        var a = PostgresArray(element: .int4, array: .int4Array, capacity: 64)
        for v in values {
            if let v { a.elements.writeInteger(Int32(4)); a.elements.writeInteger(v); a.count += 1 } else { a.appendNull() }
        }
        return a
    }

    static func double<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Double? {
        var a = PostgresArray(element: .float8, array: .float8Array, capacity: 64)
        for v in values {
            if let v { a.elements.writeInteger(Int32(8)); a.elements.writeInteger(v.bitPattern); a.count += 1 } else { a.appendNull() }
        }
        return a
    }

    static func bool<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Bool {
        var a = PostgresArray(element: .bool, array: .boolArray, capacity: 64)
        for v in values { a.elements.writeInteger(Int32(1)); a.elements.writeInteger(UInt8(v ? 1 : 0)); a.count += 1 }
        return a
    }

    /// `timestamptz[]`, each exactly as `PostgresInstant` sends one.
    static func instant<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Instant? {
        var a = PostgresArray(element: .timestamptz, array: .timestamptzArray, capacity: 64)
        for v in values {
            if let v {
                a.elements.writeInteger(Int32(8)); a.elements.writeInteger(PostgresInstant.sinceY2K(v)); a.count += 1
            } else {
                a.appendNull()
            }
        }
        return a
    }

    static func text<S: Sequence>(_ values: S) -> PostgresArray where S.Element == String? {
        var a = PostgresArray(element: .text, array: .textArray, capacity: 256)
        for v in values {
            if let v {
                let length = a.elements.writerIndex
                a.elements.writeInteger(Int32(0))
                let n = a.elements.writeString(v)
                a.elements.setInteger(Int32(n), at: length)
                a.count += 1
            } else {
                a.appendNull()
            }
        }
        return a
    }
}

extension PostgresArray {
    static func int64<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Int64 { int64(values.lazy.map { Optional($0) }) }
    static func int<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Int { int64(values.lazy.map { Optional(Int64($0)) }) }
    static func int<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Int? { int64(values.lazy.map { $0.map(Int64.init) }) }
    static func double<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Double { double(values.lazy.map { Optional($0) }) }
    static func text<S: Sequence>(_ values: S) -> PostgresArray where S.Element == String { text(values.lazy.map { Optional($0) }) }
    static func instant<S: Sequence>(_ values: S) -> PostgresArray where S.Element == Instant { instant(values.lazy.map { Optional($0) }) }
}
