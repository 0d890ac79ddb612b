import DelotonCore
import Foundation
import Testing

struct JSONQuotingTests {
    @Test("quote, backslash and control characters are escaped; the rest is kept as it is")
    func requiredEscapes() {
        #expect(JSONQuoting.quoted("plain") == "\"plain\"")
        #expect(JSONQuoting.quoted("a\"b\\c\nd\r\t\u{1}é<") == "\"a\\\"b\\\\c\\nd\\r\\t\\u0001é<\"")
    }

    @Test("options: non-ASCII as json.dumps writes it (surrogate pairs included), and <")
    func extraEscapes() {
        #expect(JSONQuoting.quoted("é🚲\u{7F}", escaping: .nonASCII) == "\"\\u00e9\\ud83d\\udeb2\\u007f\"")
        #expect(JSONQuoting.quoted("</script>", escaping: .lessThan) == "\"\\u003c/script>\"")
    }

    @Test("every string reads back unchanged, as text and as bytes")
    func roundTrip() throws {
        let samples = ["", "plain", "a\"b\\c", "line\nbreak\r\t", "\u{0}\u{1F}", "Zoë 🚲 <b>", String(repeating: "x\u{7}", count: 50)]
        for s in samples {
            for escapes: JSONQuoting.Escapes in [[], .nonASCII, .lessThan] {
                let text = JSONQuoting.quoted(s, escaping: escapes)
                #expect(try JSONDecoder().decode(String.self, from: Data(text.utf8)) == s)
            }
            var bytes: [UInt8] = []
            JSONQuoting.append(s, to: &bytes)
            #expect(try JSONDecoder().decode(String.self, from: Data(bytes)) == s)
            #expect(bytes == Array(JSONQuoting.quoted(s).utf8))
        }
    }
}
