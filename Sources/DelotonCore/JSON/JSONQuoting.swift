/// JSON string literals for every JSON deloton writes by hand (`JSONWriter`): one set of escaping
/// rules, in one place.
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
        var out: [UInt8] = []
        append(s, to: &out, escaping: extra)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` between double quotes as UTF-8.
    public static func append(_ s: String, to out: inout [UInt8], escaping extra: Escapes = []) {
        out.append(UInt8(ascii: "\""))
        if extra.contains(.nonASCII) {
            for scalar in s.unicodeScalars {
                if scalar.isASCII, scalar.value != 0x7F {
                    appendByte(UInt8(scalar.value), to: &out, lessThan: extra.contains(.lessThan))
                } else {
                    for unit in String(scalar).utf16 { appendEscape(unit, to: &out) }
                }
            }
        } else {
            // Runs without anything to escape are copied whole: most values have nothing to escape.
            var s = s
            s.withUTF8 { utf8 in
                let lessThan = extra.contains(.lessThan)
                var run = 0
                for (i, byte) in utf8.enumerated() where needsEscape(byte, lessThan: lessThan) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                    appendByte(byte, to: &out, lessThan: lessThan)
                    run = i + 1
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8, lessThan: Bool) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (lessThan && byte == UInt8(ascii: "<"))
    }

    /// One byte of ASCII (or of UTF-8 beyond it, copied as it is), escaped where it must be.
    private static func appendByte(_ byte: UInt8, to out: inout [UInt8], lessThan: Bool) {
        switch byte {
        case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case UInt8(ascii: "<") where lessThan: appendEscape(UInt16(byte), to: &out)
        case 0..<0x20: appendEscape(UInt16(byte), to: &out)
        default: out.append(byte)
        }
    }

    /// `\uXXXX` in lower-case hex, as `json.dumps` writes it.
    private static func appendEscape(_ unit: UInt16, to out: inout [UInt8]) {
        out += [UInt8(ascii: "\\"), UInt8(ascii: "u"),
                hexDigits[Int(unit >> 12 & 0xF)], hexDigits[Int(unit >> 8 & 0xF)],
                hexDigits[Int(unit >> 4 & 0xF)], hexDigits[Int(unit & 0xF)]]
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
