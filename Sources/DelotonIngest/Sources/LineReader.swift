import Crypto
import Foundation

/// Reads a file's lines in 1 MiB chunks without holding the file: each line is handed over as
/// bytes in place, and only a line that spans two chunks is copied.
///
/// A line longer than `maxLineBytes` is never held: once past the limit, only its first bytes,
/// its length and its SHA-256 are kept (`OversizedLine`), so a 2 GB line costs no more memory
/// than a short one.
package struct LineReader: ~Copyable {
    private let fd: Int32
    private let maxLineBytes: Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var carry: [UInt8] = []
    /// The line being read, once it is known to be too long.
    private var oversized: OversizedLine.Builder?
    private(set) var lineNumber: Int64 = 0
    private(set) var bytesRead: Int64 = 0

    package init(path: String, maxLineBytes: Int) throws {
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileSource.Missing(path: path) }
        self.maxLineBytes = maxLineBytes
    }

    deinit { close(fd) }

    package enum Line {
        case bytes(UnsafeBufferPointer<UInt8>)
        case oversized(OversizedLine)
    }

    /// Reads one chunk and hands over its complete lines with their 1-based numbers.
    /// Returns false at the end of the file (as it is now: a growing file may have more later).
    package mutating func readChunk(_ body: (Line, Int64) -> Void) throws -> Bool {
        let capacity = buffer.count
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, capacity) }
        if n < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard n > 0 else { return false }
        bytesRead += Int64(n)
        buffer.withUnsafeBufferPointer { all in
            var start = 0
            for i in 0..<n where all[i] == 0x0A {
                lineNumber += 1
                let piece = UnsafeBufferPointer(rebasing: all[start..<i])
                if var builder = oversized {
                    builder.add(piece)
                    oversized = nil
                    body(.oversized(builder.line), lineNumber)
                } else if carry.isEmpty {
                    if piece.count > maxLineBytes {
                        var builder = OversizedLine.Builder()
                        builder.add(piece)
                        body(.oversized(builder.line), lineNumber)
                    } else {
                        body(.bytes(piece), lineNumber)
                    }
                } else {
                    carry.append(contentsOf: piece)
                    let number = lineNumber
                    if carry.count > maxLineBytes {
                        var builder = OversizedLine.Builder()
                        carry.withUnsafeBufferPointer { builder.add($0) }
                        body(.oversized(builder.line), number)
                    } else {
                        carry.withUnsafeBufferPointer { body(.bytes($0), number) }
                    }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            keep(UnsafeBufferPointer(rebasing: all[start..<n]))
        }
        return true
    }

    /// Holds the start of a line that goes on in the next chunk, or only its digest once too long.
    private mutating func keep(_ rest: UnsafeBufferPointer<UInt8>) {
        if oversized != nil {
            oversized?.add(rest)
        } else if carry.count + rest.count > maxLineBytes {
            var builder = OversizedLine.Builder()
            carry.withUnsafeBufferPointer { builder.add($0) }
            builder.add(rest)
            oversized = builder
            carry = []
        } else {
            carry.append(contentsOf: rest)
        }
    }

    /// At the end of the input: a last line without its newline is still a line.
    package mutating func finish(_ body: (Line, Int64) -> Void) {
        if let builder = oversized {
            lineNumber += 1
            oversized = nil
            body(.oversized(builder.line), lineNumber)
            return
        }
        guard !carry.isEmpty else { return }
        lineNumber += 1
        let number = lineNumber
        carry.withUnsafeBufferPointer { body(.bytes($0), number) }
        carry.removeAll()
    }
}

/// What is kept of a line too long to hold: its first bytes, its length and its digest, enough
/// to find it in the source and to tell it apart from other lines.
public struct OversizedLine: Sendable, Equatable {
    /// The first bytes kept of an oversized line.
    public static let headBytes = 4096

    public var head: [UInt8]
    public var length: Int64
    public var sha256: String

    struct Builder {
        private var head: [UInt8] = []
        private var length: Int64 = 0
        private var hash = SHA256()

        mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
            if head.count < OversizedLine.headBytes {
                head.append(contentsOf: bytes.prefix(OversizedLine.headBytes - head.count))
            }
            length += Int64(bytes.count)
            hash.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        }

        var line: OversizedLine {
            OversizedLine(head: head, length: length,
                          sha256: hash.finalize().map { String(format: "%02x", $0) }.joined())
        }
    }

    /// The same summary for a message already in memory (a Kafka message).
    public init(of bytes: UnsafeBufferPointer<UInt8>) {
        var builder = Builder()
        builder.add(bytes)
        self = builder.line
    }

    init(head: [UInt8], length: Int64, sha256: String) {
        self.head = head; self.length = length; self.sha256 = sha256
    }
}
