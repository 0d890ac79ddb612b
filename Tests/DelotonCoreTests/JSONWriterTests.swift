import DelotonCore
import Foundation
import Testing

struct JSONWriterTests {
    @Test("commas go in by themselves; keys keep the order written; nulls are spelt out")
    func structure() {
        var w = JSONWriter()
        w.object { w in
            w.field("id", 7)
            w.field("name", "Zoë")
            w.field("end", nil as String?)
            w.key("flags")
            w.array { w in w.bool(true); w.bool(false); w.bool(nil); w.null() }
            w.key("empty")
            w.object { _ in }
            w.key("none")
            w.array { _ in }
            w.key("nested")
            w.array { w in
                w.array { w in w.int(1); w.int(Int64(2)) }
                w.object { w in w.field("x", 0.5) }
            }
            w.field("at", Int64(-9_007_199_254_740_993))
        }
        #expect(w.text == #"{"id":7,"name":"Zoë","end":null,"flags":[true,false,null,null],"empty":{},"none":[],"#
            + #""nested":[[1,2],{"x":0.5}],"at":-9007199254740993}"#)
    }

    @Test("integers are written as Swift spells them, at both ends of Int and in between")
    func integers() {
        var values = [0, 1, -1, 9, 10, -10, 99, 100, 1_000_007, Int.max, Int.min, Int.min + 1]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 { values.append(Int.random(in: .min ... .max, using: &generator) >> Int.random(in: 0...63)) }
        var w = JSONWriter()
        w.array { w in for v in values { w.int(v) } }
        #expect(w.text == "[" + values.map(String.init).joined(separator: ",") + "]")
    }

    @Test("numbers: whole ones as integers while exact, others in the shortest text that reads back")
    func numbers() {
        let cases: [(Double, String)] = [
            (52, "52"), (-3, "-3"), (-0.0, "0"), (0.1, "0.1"), (117.25, "117.25"), (1.0 / 3, "0.3333333333333333"),
            (1e15, "1000000000000000"), (9_007_199_254_740_991, "9007199254740991"),
            (9_007_199_254_740_992, "9007199254740992.0"), (1e16, "1e+16"), (1.5e-7, "1.5e-07"),
        ]
        for (value, text) in cases {
            #expect(JSONWriter.number(value) == text)
            var w = JSONWriter()
            w.double(value)
            #expect(w.text == text)
        }
        var w = JSONWriter()
        w.array { w in w.double(.nan); w.double(.infinity); w.double(-.infinity); w.double(nil) }
        #expect(w.text == "[null,null,null,null]", "JSON has no spelling for these")
    }

    @Test("every finite double reads back through JSONDecoder as itself")
    func numbersReadBack() throws {
        var random = SystemRandomNumberGenerator()
        var samples: [Double] = [.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.ulpOfOne, 1e300, 123456.789]
        while samples.count < 2_000 {
            let d = Double(bitPattern: random.next())
            if d.isFinite { samples.append(d) }
        }
        for d in samples {
            var w = JSONWriter()
            w.array { w in w.double(d) }
            #expect(try JSONDecoder().decode([Double].self, from: Data(w.bytes)) == [d], "\(d)")
        }
    }

    @Test("rounded to places for the live feed: a rounded negative zero is 0, an overflow is null")
    func roundedNumbers() {
        var w = JSONWriter()
        w.array { w in
            w.double(117.26, places: 1)
            w.double(2.04, places: 1)
            w.double(-0.04, places: 1)
            w.double(1934.237, places: 2)
            w.double(1e308, places: 2)
            w.double(.nan, places: 1)
            w.double(nil, places: 1)
            w.double(7.6, places: 0)
        }
        #expect(w.text == "[117.3,2,0,1934.24,null,null,null,8]")
    }

    @Test("strings and keys: the escapes JSON requires, and the extra ones asked for")
    func escaping() {
        let tricky = "a\"b\\c\n</script>\u{1}é🚲"
        var plain = JSONWriter()
        plain.object { w in w.field(tricky, tricky) }
        let quoted = #""a\"b\\c\n</script>\u0001é🚲""#
        #expect(plain.text == "{" + quoted + ":" + quoted + "}")

        var page = JSONWriter(escaping: .lessThan)
        page.array { w in w.string("</script>") }
        #expect(page.text == #"["\u003c/script>"]"#)

        var ascii = JSONWriter(escaping: .nonASCII)
        ascii.array { w in w.string("é🚲\u{7F}") }
        #expect(ascii.text == #"["\u00e9\ud83d\udeb2\u007f"]"#)
        #expect(ascii.bytes.allSatisfy { $0 < 0x80 })
    }

    @Test("spaced as Python's json.dumps writes the real stream's outer object")
    func spaced() {
        var w = JSONWriter(escaping: .nonASCII, spaced: true)
        w.object { w in
            w.field("log", "line\n")
            w.key("key")
            w.array { w in w.int(1); w.int(2) }
        }
        #expect(w.text == #"{"log": "line\n", "key": [1, 2]}"#)
    }

    @Test("a line break goes after the comma, never before the first element")
    func lineBreaks() {
        var w = JSONWriter()
        w.array { w in
            for i in 1...3 {
                w.lineBreak()
                w.array { w in w.int(i) }
            }
        }
        #expect(w.text == "[[1],\n[2],\n[3]]")
    }

    @Test("raw JSON goes in as one value")
    func raw() {
        var w = JSONWriter()
        w.object { w in
            w.key("n"); w.raw("12.5")
            w.key("t"); w.raw("true")
        }
        #expect(w.text == #"{"n":12.5,"t":true}"#)
    }
}
