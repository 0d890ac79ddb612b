/// Builds JSON text by hand: the live feed and the recent rides are rebuilt every second or
/// for thousands of rows, where `JSONEncoder` costs more than the query.
struct JSONText {
    private(set) var text = ""

    init(capacity: Int = 256) { text.reserveCapacity(capacity) }

    mutating func raw(_ s: String) { text += s }

    mutating func string(_ s: String) {
        text += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            // `<` escaped so a value can never close a script element if the JSON is ever inlined.
            case "<": text += "\\u003c"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }

    mutating func int<I: BinaryInteger>(_ v: I) { text += String(v) }

    mutating func int<I: BinaryInteger>(_ v: I?) {
        if let v { text += String(v) } else { text += "null" }
    }

    /// A number with at most `places` decimals: the page shows no more, and it keeps messages small.
    mutating func number(_ v: Double?, places: Int = 1) {
        guard let v, v.isFinite else { text += "null"; return }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let r = (v * scale).rounded() / scale
        if r == r.rounded(), abs(r) < 1e15 { text += String(Int64(r)) } else { text += String(r) }
    }

    mutating func bool(_ v: Bool) { text += v ? "true" : "false" }
}
