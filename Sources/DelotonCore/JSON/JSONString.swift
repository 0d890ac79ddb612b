/// Reads JSON strings out of raw bytes: the stream's outer log object and the `[SYSTEM]` payload
/// inside it share this one unescaper, so the two can never disagree on what a string says.
enum JSONString {
    /// What an escape JSON does not define (`\x`) becomes.
    enum UnknownEscapes {
        /// The escaped byte is kept: the outer log object is written by a logger, and a stray
        /// escape there must not cost the reading it carries.
        case kept
        /// The string is refused: the payload is checked field by field.
        case refused
    }

    /// Reads the string whose opening quote is at `i`, appending its unescaped bytes to `out`, and
    /// leaves `i` after the closing quote. Returns false when the string is not terminated or an
    /// escape is malformed. A `\u` pair encodes one scalar outside the BMP; a lone surrogate
    /// becomes U+FFFD, as JSON readers do.
    static func read(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, into out: inout [UInt8],
                     unknownEscapes: UnknownEscapes) -> Bool {
        i += 1
        while i < b.count {
            // Copy the run up to the next quote or escape in one go: most of a line has neither.
            var j = i
            while j < b.count, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "\\") { j += 1 }
            if j > i { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j])) }
            i = j
            guard i < b.count else { return false }
            if b[i] == UInt8(ascii: "\"") { i += 1; return true }
            i += 1
            guard i < b.count else { return false }
            switch b[i] {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b[i])
            case UInt8(ascii: "u"):
                guard var scalar = hex4(b, i + 1) else { return false }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 < b.count, b[i + 1] == UInt8(ascii: "\\"),
                   b[i + 2] == UInt8(ascii: "u"), let low = hex4(b, i + 3), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default:
                guard unknownEscapes == .kept else { return false }
                out.append(b[i])
            }
            i += 1
        }
        return false
    }

    /// Four hex digits of a `\u` escape at `at`; nil when they are not there.
    static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for k in at..<(at + 4) {
            let c = b[k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
