import DelotonCore
import NIOCore

/// Writes JSON straight into a response buffer: keys in the documented order, nulls spelled out,
/// numbers unrounded (the API does not round), and no `Encoder` machinery on the hot routes.
struct JSONWriter {
    var buffer: ByteBuffer
    private var needsComma = false

    init(capacity: Int = 512) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        buffer.writeStaticString("{")
        needsComma = false
        body(&self)
        buffer.writeStaticString("}")
        needsComma = true
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        separate()
        buffer.writeStaticString("[")
        needsComma = false
        body(&self)
        buffer.writeStaticString("]")
        needsComma = true
    }

    /// Keys are this API's own names or data (genders): only the latter need escaping.
    mutating func key(_ k: String) {
        separate()
        if !JSONQuoting.needsEscaping(k) {
            buffer.writeStaticString("\"")
            buffer.writeString(k)
            buffer.writeStaticString("\":")
        } else {
            buffer.writeString(JSONQuoting.quoted(k))
            buffer.writeStaticString(":")
        }
        needsComma = false
    }

    mutating func field(_ k: String, _ v: String?) { key(k); string(v) }
    mutating func field(_ k: String, _ v: Int?) { key(k); int(v) }
    mutating func field(_ k: String, _ v: Int64?) { key(k); int(v.map { Int($0) }) }
    mutating func field(_ k: String, _ v: Double?) { key(k); double(v) }
    mutating func field(_ k: String, _ v: Bool) { key(k); separate(); buffer.writeString(v ? "true" : "false"); needsComma = true }

    mutating func string(_ v: String?) {
        separate()
        if let v {
            if !JSONQuoting.needsEscaping(v) {
                buffer.writeStaticString("\"")
                buffer.writeString(v)
                buffer.writeStaticString("\"")
            } else {
                buffer.writeString(JSONQuoting.quoted(v))
            }
        } else {
            buffer.writeStaticString("null")
        }
        needsComma = true
    }

    mutating func int(_ v: Int?) {
        separate()
        if let v { buffer.writeString(String(v)) } else { buffer.writeStaticString("null") }
        needsComma = true
    }

    mutating func double(_ v: Double?) {
        separate()
        if let v, v.isFinite { buffer.writeString(Self.number(v)) } else { buffer.writeStaticString("null") }
        needsComma = true
    }

    mutating func raw(_ json: String) {
        separate()
        buffer.writeString(json)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { buffer.writeStaticString(",") }
    }

    /// Shortest text that reads back as the same double; whole numbers without a trailing `.0`.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
