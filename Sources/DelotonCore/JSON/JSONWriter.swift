/// The one writer for the JSON deloton builds by hand: the API's answers, the dashboard's live
/// feed and recent rides, an open ride's saved state, log lines, the simulator's stream, the
/// export. Keys come out in the order they are written, commas go in by themselves, nulls are
/// spelt out; the daily report, written once a day, goes through `Codable` instead.
///
/// It writes UTF-8 into an array rather than a NIO buffer, so Core stays free of NIO: the server
/// copies the bytes into its response buffer, one `memcpy` beside the query that made them.
///
///     var w = JSONWriter()
///     w.object { w in
///         w.field("id", 7)
///         w.key("tags"); w.array { w in w.string("a"); w.string(nil) }
///     }
///     w.text  // {"id":7,"tags":["a",null]}
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Extra escapes for every string and key: `.lessThan` for JSON a page may inline,
    /// `.nonASCII` for plain-ASCII lines (logs, the simulated stream).
    public let escaping: JSONQuoting.Escapes
    /// `", "` and `": "` between members and elements, as Python's `json.dumps` writes by default
    /// (the real stream's outer object); otherwise no spaces at all.
    public let spaced: Bool
    /// False right after `{`, `[` or a key: the next value needs no comma before it.
    private var needsComma = false

    public init(capacity: Int = 512, escaping: JSONQuoting.Escapes = [], spaced: Bool = false) {
        self.escaping = escaping
        self.spaced = spaced
        bytes.reserveCapacity(capacity)
    }

    /// The JSON as text (it is valid UTF-8 by construction).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: - Structure

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        nest(UInt8(ascii: "{"), body, UInt8(ascii: "}"))
    }

    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        nest(UInt8(ascii: "["), body, UInt8(ascii: "]"))
    }

    private mutating func nest(_ open: UInt8, _ body: (inout JSONWriter) -> Void, _ close: UInt8) {
        separate()
        bytes.append(open)
        needsComma = false
        body(&self)
        bytes.append(close)
        needsComma = true
    }

    public mutating func key(_ name: String) {
        separate()
        JSONQuoting.append(name, to: &bytes, escaping: escaping)
        bytes.append(UInt8(ascii: ":"))
        if spaced { bytes.append(UInt8(ascii: " ")) }
        needsComma = false
    }

    /// Starts a new line after the comma before the next element (none before the first): the
    /// recent rides' one ride a line keeps an answer of megabytes readable in a browser.
    public mutating func lineBreak() {
        guard needsComma else { return }
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    // MARK: - Values

    public mutating func null() {
        separate()
        append("null")
        needsComma = true
    }

    public mutating func string(_ value: String?) {
        guard let value else { return null() }
        separate()
        JSONQuoting.append(value, to: &bytes, escaping: escaping)
        needsComma = true
    }

    public mutating func int(_ value: Int?) {
        guard let value else { return null() }
        separate()
        // Digit by digit into the bytes: `String(value)` made a string for every number.
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var rest = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
        needsComma = true
    }

    public mutating func int(_ value: Int64?) { int(value.map { Int($0) }) }

    public mutating func bool(_ value: Bool?) {
        guard let value else { return null() }
        separate()
        append(value ? "true" : "false")
        needsComma = true
    }

    /// Unrounded, in `number`'s spelling; `null` when missing or not finite, since JSON has no
    /// spelling for those.
    public mutating func double(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        separate()
        append(Self.number(value))
        needsComma = true
    }

    /// Rounded to `places` decimals: the dashboard shows no more, and smaller numbers keep the
    /// live feed's messages small.
    public mutating func double(_ value: Double?, places: Int) {
        guard let value else { return null() }
        var scale = 1.0
        for _ in 0..<max(0, places) { scale *= 10 }
        double((value * scale).rounded() / scale)
    }

    /// Text that is JSON already, as one value (a number the export spelt itself).
    public mutating func raw(_ json: String) {
        separate()
        append(json)
        needsComma = true
    }

    // MARK: - Members

    public mutating func field(_ name: String, _ value: String?) { key(name); string(value) }
    public mutating func field(_ name: String, _ value: Int?) { key(name); int(value) }
    public mutating func field(_ name: String, _ value: Int64?) { key(name); int(value) }
    public mutating func field(_ name: String, _ value: Double?) { key(name); double(value) }
    public mutating func field(_ name: String, _ value: Bool?) { key(name); bool(value) }

    // MARK: - Numbers

    /// How deloton spells a finite Double, in JSON and CSV alike: whole numbers as integers (52,
    /// not 52.0, as `JSONEncoder` writes them) while every integer is exact (below 2^53), others
    /// as Swift's shortest text that reads back as the same Double. A negative zero is 0.
    public static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
        return value.description
    }

    // MARK: - Bytes

    private mutating func separate() {
        guard needsComma else { return }
        bytes.append(UInt8(ascii: ","))
        if spaced { bytes.append(UInt8(ascii: " ")) }
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }
}
