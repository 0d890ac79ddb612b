import DelotonCore

/// Builds JSON text by hand: the live feed and the recent rides are rebuilt every second or
/// for thousands of rows, where `JSONEncoder` costs more than the query.
struct JSONText {
    private(set) var text = ""

    init(capacity: Int = 256) { text.reserveCapacity(capacity) }

    mutating func raw(_ s: String) { text += s }

    /// `<` escaped too, so a value can never close a script element if the JSON is ever inlined.
    mutating func string(_ s: String) { JSONQuoting.append(s, to: &text, escaping: .lessThan) }

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
