@testable import DelotonCore
import Foundation
import Testing

/// `PlainDecimal` must give strtod's Double bit for bit, and accept exactly the shape the parser
/// always accepted (digits, an optional point and digits, an optional exponent).
@Suite struct PlainDecimalTests {
    func strtodValue(_ s: String) -> Double { strtod(s, nil) }

    /// The shape the parser checked before strtod, written out independently.
    func isPlainShape(_ s: String) -> Bool {
        s.range(of: #"^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\z"#, options: .regularExpression) != nil
    }

    func value(_ s: String) -> Double? {
        Array(s.utf8).withUnsafeBufferPointer { PlainDecimal.value($0) }
    }

    func exact(_ s: String) -> Double? {
        Array(s.utf8).withUnsafeBufferPointer { b in PlainDecimal.Parts(b).flatMap { PlainDecimal.exactValue($0) } }
    }

    /// Same accept/reject as the shape, and strtod's bits when accepted. Returns whether the
    /// integer path (not strtod) gave the value.
    @discardableResult
    func check(_ s: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let got = value(s)
        #expect((got != nil) == isPlainShape(s), "accept/reject of \(s)", sourceLocation: sourceLocation)
        guard let got else { return false }
        let want = strtodValue(s)
        #expect(got.bitPattern == want.bitPattern, "\(s): \(got) != strtod's \(want)", sourceLocation: sourceLocation)
        if let e = exact(s) {
            #expect(e.bitPattern == want.bitPattern, "\(s): integer path \(e) != strtod's \(want)", sourceLocation: sourceLocation)
            return true
        }
        return false
    }

    @Test func edgeCases() {
        let cases = [
            "0", "0.0", "00000", "000.000", "-0", "-0.0", "+1", "1", "5.", ".5", ".", "", "e5", ".e5", "1e", "1e+", "1e-",
            "1e400", "1e-400", "1e308", "1.7976931348623157e308", "1.7976931348623159e308", "2.2250738585072014e-308",
            "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-320", "0e999999999999", "0.0e-99999999",
            "123.456", "13.448875699999999", "792.0", "100000", "100000.00000000001", "99999.999999999999",
            "9007199254740992", "9007199254740993", "9007199254740993.0", "18446744073709551615", "18446744073709551616",
            "18446744073709551615e-27", "18446744073709551615e-28", "1e22", "1e23", "9007199254740992e22",
            "9007199254740993e22", "1e-22", "1e-27", "1e-28", "0.000000000000000000000000001",
            "0.0000000000000000000000000001", "00000000000000000000000000000000001.5", "1.50000000000000000000000000000",
            "0.1", "0.2", "0.3", "0.30000000000000004", "1.5e2", "1.5E2", "1.5e+2", "15e-1", "1E-0", "1e0000000000000000000001",
            "0x10", "0X1p3", "inf", "INF", "infinity", "nan", "NaN", " 1", "1 ", "\t1", "1\n", "1.2.3", "1e2e3", "1..2", "١",
            "12a", "a12", "1,5", "1_000", "\u{0}1",
            // Halfway cases: the integer path must round ties to even, as strtod does.
            "9007199254740993", "9007199254740995", "0.50000000000000005551115123125782702118158340454101562",
            "4503599627370496.5", "4503599627370497.5", "2.0000000000000002220446049250313080847263336181640625",
            "8.881784197001252323389053344726562500e-16",
        ]
        for s in cases { check(s) }
    }

    /// Doubles as Swift and Python print them (shortest round trip, up to 17 digits), over
    /// the stream's range and far beyond it.
    @Test func shortestReprOfRandomDoubles() {
        var rng = SeededRandom(seed: 19)
        func random(upToPowerOfTen m: Int) -> String {
            let d = Double(rng.next() >> 11) / Double(1 << 53) * pow(10, Double(m))
            return "\(d)".replacingOccurrences(of: "e+", with: "e")
        }
        for _ in 0..<200_000 { check(random(upToPowerOfTen: Int(rng.next() % 80) - 40)) }
        // The point of the integer path: nearly every power the stream can hold (below 10^5 W)
        // avoids strtod.
        var viaIntegers = 0
        for _ in 0..<100_000 where check(random(upToPowerOfTen: Int(rng.next() % 6))) { viaIntegers += 1 }
        #expect(viaIntegers > 99_000, "\(viaIntegers) of 100,000")
    }

    /// Random digit strings: many digits, leading and trailing zeros, points anywhere, exponents.
    @Test func randomDigitStrings() {
        var rng = SeededRandom(seed: 7)
        let alphabet = Array("0123456789")
        for _ in 0..<200_000 {
            var s = ""
            let digits = 1 + Int(rng.next() % 30)
            let zeros = Int(rng.next() % 4)
            s += String(repeating: "0", count: zeros)
            for _ in 0..<digits { s.append(alphabet[Int(rng.next() % 10)]) }
            if rng.next() % 4 != 0 {
                let at = Int(rng.next() % UInt64(s.count + 1))
                s.insert(".", at: s.index(s.startIndex, offsetBy: at))
            }
            if rng.next() % 3 == 0 {
                let e = Int(rng.next() % 80) - 40
                s += (rng.next() % 2 == 0 ? "e" : "E") + (e >= 0 && rng.next() % 2 == 0 ? "+" : "") + String(e)
            }
            check(s)
        }
    }

    /// Every exponent the integer path covers, with significands at the edges of 2^53 and 2^64.
    @Test func significandEdgesAtEveryScale() {
        let significands: [UInt64] = [1, 5, 9, 10, 4_503_599_627_370_495, 4_503_599_627_370_496, 9_007_199_254_740_991,
                                      9_007_199_254_740_992, 9_007_199_254_740_993, 9_007_199_254_740_995,
                                      18_014_398_509_481_983, 18_014_398_509_481_985, 999_999_999_999_999_999,
                                      9_999_999_999_999_999_999, UInt64.max - 1, UInt64.max]
        for w in significands {
            for e in -30...30 { check("\(w)e\(e)") }
        }
    }
}
