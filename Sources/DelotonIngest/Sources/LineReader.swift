import Crypto
import Foundation

/// Reads a file in 1 MiB chunks without holding the file, and cuts each chunk at its last
/// newline: a `LineChunk` holds only complete lines, so it can be handed to another task whole
/// (one hand-over per chunk, not per line). Only the unfinished line at a chunk's end is copied,
/// to the start of the next chunk.
///
/// A line longer than `maxLineBytes` is never held: once past the limit, only its first bytes,
/// its length and its SHA-256 are kept (`OversizedLine`), so a 2 GB line costs no more memory
/// than a short one.
package struct LineReader: ~Copyable {
    private let fd: Int32
    private let maxLineBytes: Int
    private let readSize: Int
    /// The start of a line that goes on in the next chunk.
    private var carry: [UInt8] = []
    /// The line being read, once it is known to be too long.
    private var oversized: OversizedLine.Builder?
    private(set) var lineNumber: Int64 = 0
    private(set) var bytesRead: Int64 = 0

    package init(path: String, maxLineBytes: Int, readSize: Int = 1 << 20) throws {
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileSource.Missing(path: path) }
        self.maxLineBytes = maxLineBytes
        self.readSize = max(1, readSize)
    }

    deinit { close(fd) }

    /// Reads one chunk. Nil at the end of the file (as it is now: a growing file may have more later).
    package mutating func readChunk() throws -> LineChunk? {
        // The new bytes go after the carried start of a line, so every line is contiguous; read
        // straight into the new chunk's memory, which is neither zeroed first nor copied after.
        let kept = carry.count, readSize = self.readSize, fd = self.fd
        var readError: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: kept + readSize) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            carry.withUnsafeBufferPointer { if let start = $0.baseAddress { base.initialize(from: start, count: kept) } }
            let n = read(fd, base + kept, readSize)
            if n < 0 { readError = errno }
            count = kept + max(0, n)
        }
        if readError != 0 { throw POSIXError(POSIXErrorCode(rawValue: readError) ?? .EIO) }
        let n = bytes.count - kept
        // At the end: the carried start stays for when the file grows.
        guard n > 0 else { return nil }
        carry.removeAll(keepingCapacity: true)
        bytesRead += Int64(n)

        var chunk = LineChunk(firstNumber: lineNumber + 1, bytesRead: bytesRead)
        // The carried bytes hold no newline: the search starts after them.
        var start = 0, i = kept
        let total = bytes.count
        bytes.withUnsafeBufferPointer { all in
            while i < total, let nl = Self.newline(in: all, from: i) {
                cut(UnsafeBufferPointer(rebasing: all[start..<nl]), at: start, into: &chunk)
                start = nl + 1
                i = start
            }
        }
        let rest = total - start
        if oversized != nil {
            bytes.withUnsafeBufferPointer { oversized?.add(UnsafeBufferPointer(rebasing: $0[start...])) }
        } else if rest > maxLineBytes {
            var builder = OversizedLine.Builder()
            bytes.withUnsafeBufferPointer { builder.add(UnsafeBufferPointer(rebasing: $0[start...])) }
            oversized = builder
        } else {
            carry.append(contentsOf: bytes[start...])
        }
        bytes.removeLast(rest)
        chunk.bytes = bytes
        return chunk
    }

    /// At the end of the input: a last line without its newline is still a line. Nil when
    /// there is none.
    package mutating func finish() -> LineChunk? {
        var chunk = LineChunk(firstNumber: lineNumber + 1, bytesRead: bytesRead)
        if let builder = oversized {
            oversized = nil
            lineNumber += 1
            chunk.lines.append(.oversized(builder.line))
            return chunk
        }
        guard !carry.isEmpty else { return nil }
        lineNumber += 1
        chunk.lines.append(.bytes(0..<carry.count))
        chunk.bytes = carry
        carry = []
        return chunk
    }

    /// One line ending in this chunk: `piece` is its part in the chunk, at `offset`.
    private mutating func cut(_ piece: UnsafeBufferPointer<UInt8>, at offset: Int, into chunk: inout LineChunk) {
        lineNumber += 1
        if var builder = oversized {
            // The end of a line that was already too long.
            builder.add(piece)
            oversized = nil
            chunk.lines.append(.oversized(builder.line))
        } else if piece.count > maxLineBytes {
            var builder = OversizedLine.Builder()
            builder.add(piece)
            chunk.lines.append(.oversized(builder.line))
        } else {
            chunk.lines.append(.bytes(offset..<(offset + piece.count)))
        }
    }

    /// The index of the next newline at or after `from`; memchr is several times faster than a
    /// byte loop, and this runs over every byte of the file.
    private static func newline(in all: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = all.baseAddress, from < all.count,
              let found = memchr(base + from, 0x0A, all.count - from) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }
}

/// Complete lines of a file, numbered from `firstNumber` (1-based) in order.
package struct LineChunk: Sendable {
    package enum Line: Sendable, Equatable {
        /// Where the line is in `bytes`, without its newline.
        case bytes(Range<Int>)
        case oversized(OversizedLine)
    }

    /// The lines' bytes; each line's range is in `lines`.
    package var bytes: [UInt8] = []
    package var lines: [Line] = []
    package var firstNumber: Int64
    /// Bytes of the file read once this chunk was cut, for the progress line.
    package var bytesRead: Int64

    package init(firstNumber: Int64, bytesRead: Int64) {
        self.firstNumber = firstNumber
        self.bytesRead = bytesRead
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
