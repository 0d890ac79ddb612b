import Crypto
@testable import DelotonIngest
import DelotonTestSupport
import Foundation
import Testing

/// The file reader's chunks: whole lines only, numbered in order, whatever the chunk size.
@Suite struct LineReaderTests {
    /// What the reader makes of `content`: each line as text (or its oversized summary) with its number.
    func lines(of content: String, readSize: Int, maxLineBytes: Int = 1 << 20) throws -> [(Int64, LineOut)] {
        let path = TestPaths.scratch("line-reader") + "/in.jsonl"
        FileManager.default.createFile(atPath: path, contents: Data(content.utf8))
        var reader = try LineReader(path: path, maxLineBytes: maxLineBytes, readSize: readSize)
        var out: [(Int64, LineOut)] = []
        func take(_ chunk: LineChunk) {
            for (k, line) in chunk.lines.enumerated() {
                let number = chunk.firstNumber + Int64(k)
                switch line {
                case .bytes(let range): out.append((number, .text(String(decoding: chunk.bytes[range], as: UTF8.self))))
                case .oversized(let summary): out.append((number, .oversized(summary)))
                }
            }
        }
        while let chunk = try reader.readChunk() { take(chunk) }
        if let last = reader.finish() { take(last) }
        return out
    }

    enum LineOut: Equatable {
        case text(String)
        case oversized(OversizedLine)
    }

    func texts(_ lines: [String]) -> [(Int64, LineOut)] {
        lines.enumerated().map { (Int64($0.offset + 1), .text($0.element)) }
    }

    func same(_ a: [(Int64, LineOut)], _ b: [(Int64, LineOut)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    @Test("a line split across chunks comes out whole, at every chunk size", arguments: [1, 2, 3, 7, 64, 1 << 20])
    func splitLines(readSize: Int) throws {
        let content = "first line\nsecond, longer line\n\nfourth\n"
        #expect(same(try lines(of: content, readSize: readSize), texts(["first line", "second, longer line", "", "fourth"])))
    }

    @Test("a last line without its newline is still a line", arguments: [1, 5, 1 << 20])
    func lastLineWithoutNewline(readSize: Int) throws {
        #expect(same(try lines(of: "one\ntwo", readSize: readSize), texts(["one", "two"])))
        #expect(same(try lines(of: "", readSize: readSize), []))
    }

    @Test("an oversized line is kept as its summary, wherever the chunks cut it, and numbering goes on", arguments: [1, 4, 9, 100])
    func oversizedLine(readSize: Int) throws {
        let long = String(repeating: "x", count: 30)
        var hash = SHA256()
        hash.update(data: Data(long.utf8))
        let digest = hash.finalize().map { String(format: "%02x", $0) }.joined()
        let summary = OversizedLine(head: Array(long.utf8), length: 30, sha256: digest)
        let got = try lines(of: "short\n\(long)\nafter\n\(long)", readSize: readSize, maxLineBytes: 10)
        let want: [(Int64, LineOut)] = [(1, .text("short")), (2, .oversized(summary)), (3, .text("after")), (4, .oversized(summary))]
        #expect(same(got, want), "\(got)")
    }

    @Test("a line exactly at the limit is kept whole", arguments: [3, 100])
    func lineAtTheLimit(readSize: Int) throws {
        #expect(same(try lines(of: "0123456789\nab\n", readSize: readSize, maxLineBytes: 10), texts(["0123456789", "ab"])))
    }
}
