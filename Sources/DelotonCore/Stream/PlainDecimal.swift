import Foundation

/// A plain decimal number (`123.456`, `13.448875699999999`, `1.5e2`): digits, an optional point
/// and digits, an optional exponent; no sign, no spaces, no hex, no `inf`. Read as the Double
/// nearest to it, the same Double strtod gives.
///
/// strtod was a tenth of the file parser's time for the telemetry power. Almost every power the
/// stream holds is at most 19 significant digits with at most 27 after the point, and those are
/// read here exactly with integer arithmetic; anything else still goes to strtod.
enum PlainDecimal {
    /// The Double nearest the text of `b`, or nil when it is not a plain decimal number.
    static func value(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let parts = Parts(b) else { return nil }
        return exactValue(parts) ?? viaStrtod(b)
    }

    /// The number as `significand × 10^exponent`, read in one pass that also checks its shape.
    struct Parts {
        /// The digits as one integer; nil when they do not fit in 64 bits.
        var significand: UInt64?
        /// The power of ten to scale it by; nil when the written exponent is far beyond any Double's.
        var exponent: Int?

        init?(_ b: UnsafeBufferPointer<UInt8>) {
            var i = 0, digits = 0, fractionDigits = 0
            var w: UInt64? = 0
            func digit(_ c: UInt8) {
                digits += 1
                guard let v = w else { return }
                let (times10, o1) = v.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(c &- 0x30))
                w = o1 || o2 ? nil : sum
            }
            while i < b.count, isDigit(b[i]) { digit(b[i]); i += 1 }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                while i < b.count, isDigit(b[i]) { digit(b[i]); fractionDigits += 1; i += 1 }
            }
            guard digits > 0 else { return nil }
            var written = 0, negative = false
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    negative = b[i] == UInt8(ascii: "-")
                    i += 1
                }
                let start = i
                while i < b.count, isDigit(b[i]) {
                    // Past a million the value is 0 or infinite whatever else is written: stop
                    // counting, so no exponent text can overflow.
                    if written < 1_000_000 { written = written * 10 + Int(b[i] &- 0x30) }
                    i += 1
                }
                guard i > start else { return nil }
            }
            guard i == b.count else { return nil }
            significand = w
            // `fractionDigits` is below the text's length, which is far below a million.
            exponent = written >= 1_000_000 ? nil : (negative ? -written : written) - fractionDigits
        }
    }

    /// The nearest Double when integer arithmetic can find it exactly; nil otherwise.
    ///
    /// For `w × 10^-k`: 10^k = 5^k × 2^k, and 5^k fits in 64 bits for k ≤ 27. The quotient of `w`
    /// (shifted to 64 significant bits) by 5^k is taken to at least 63 bits, and a non-zero
    /// remainder is folded into its lowest bit, which lies below the 53 bits a Double keeps: the
    /// one rounding of that integer to a Double then rounds exactly as the true quotient would.
    /// Scaling by a power of two is exact. For `w × 10^k` with k > 0, only the textbook case:
    /// `w` and 10^k both exact Doubles (w ≤ 2^53, k ≤ 22), whose product is rounded once.
    static func exactValue(_ parts: Parts) -> Double? {
        guard let w = parts.significand, let e = parts.exponent else { return nil }
        if w == 0 { return 0 }
        if e > 0 {
            guard e <= 22, w <= 1 << 53 else { return nil }
            return Double(w) * exactPowersOfTen[e]
        }
        let k = -e
        guard k < powersOfFive.count else { return nil }
        let d = powersOfFive[k]
        let shift = w.leadingZeroBitCount            // w << shift has its top bit set
        let t = (UInt64.bitWidth - 1) - d.leadingZeroBitCount  // 2^t ≤ d < 2^(t+1)
        // (w << shift) × 2^t as 128 bits; its high half is below 2^t ≤ d, so the quotient fits.
        let n = w << shift
        let high = t == 0 ? 0 : n >> (UInt64.bitWidth - t)
        let low = t == 0 ? n : n << t
        guard high < d else { return nil }
        let (q, r) = d.dividingFullWidth((high: high, low: low))
        // q is in (2^62, 2^64): more than the 53 bits kept, so bit 0 is only a sticky bit.
        let rounded = Double(r == 0 ? q : q | 1)
        return Double(sign: .plus, exponent: -(shift + t + k), significand: rounded)
    }

    /// 5^0 ... 5^27, the powers of five that fit in 64 bits.
    private static let powersOfFive: [UInt64] = (0...27).map { k in (0..<k).reduce(1) { p, _ in p * 5 } }

    /// 10^0 ... 10^22, the powers of ten a Double holds exactly.
    private static let exactPowersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { p, _ in p * 10 } }

    /// strtod over the text, which the caller has checked is a plain decimal number.
    static func viaStrtod(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = b.count
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
            for k in 0..<n { buf[k] = CChar(bitPattern: b[k]) }
            buf[n] = 0
            guard let base = buf.baseAddress else { return nil }
            return strtod(base, nil)
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}
