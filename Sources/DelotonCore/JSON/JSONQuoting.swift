/// JSON string literals for every JSON deloton writes by hand (API, live feed, report, export,
/// simulator, saved ride state): one set of escaping rules, in one place.
public enum JSONQuoting {
    /// Characters written as `\uXXXX` beyond the ones JSON requires (quote, backslash, controls).
    public struct Escapes: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Everything outside printable ASCII, as Python's `json.dumps` writes (the real stream's producer).
        public static let nonASCII = Escapes(rawValue: 1 << 0)
        /// `<`, so the text can never close a `<script>` element it is inlined in.
        public static let lessThan = Escapes(rawValue: 1 << 1)
    }

    /// `s` between double quotes.
    public static func quoted(_ s: String, escaping extra: Escapes = []) -> String {
        var out = ""
        append(s, to: &out, escaping: extra)
        return out
    }

    /// Whether `s` holds a character JSON requires to be escaped (quote, backslash, control).
    /// Most values hold none: writers then copy them between quotes as they are.
    public static func needsEscaping(_ s: String) -> Bool {
        s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C })
    }

    /// Appends `s` between double quotes.
    public static func append(_ s: String, to out: inout String, escaping extra: Escapes = []) {
        if extra.isEmpty, !needsEscaping(s) {
            out += "\""
            out += s
            out += "\""
            return
        }
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<" where extra.contains(.lessThan): out += "\\u003c"
            case _ where scalar.value < 0x20 || (scalar.value > 0x7E && extra.contains(.nonASCII)):
                for unit in String(scalar).utf16 { out += "\\u" + hex4(unit) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Appends `s` between double quotes as UTF-8 bytes, with only the escapes JSON requires.
    public static func append(_ s: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: bytes += Array(("\\u" + hex4(UInt16(byte))).utf8)
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}
