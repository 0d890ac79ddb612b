import Foundation

/// Reads a file's lines in 1 MiB chunks without holding the file: each line is handed over as
/// bytes in place, and only a line that spans two chunks is copied.
struct LineReader: ~Copyable {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var carry: [UInt8] = []
    private(set) var lineNumber: Int64 = 0
    private(set) var bytesRead: Int64 = 0

    init(path: String) throws {
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileSource.Missing(path: path) }
    }

    deinit { close(fd) }

    /// Reads one chunk and hands over its complete lines with their 1-based numbers.
    /// Returns false at the end of the file (as it is now: a growing file may have more later).
    mutating func readChunk(_ body: (UnsafeBufferPointer<UInt8>, Int64) -> Void) throws -> Bool {
        let capacity = buffer.count
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, capacity) }
        if n < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard n > 0 else { return false }
        bytesRead += Int64(n)
        buffer.withUnsafeBufferPointer { all in
            var start = 0
            for i in 0..<n where all[i] == 0x0A {
                lineNumber += 1
                if carry.isEmpty {
                    body(UnsafeBufferPointer(rebasing: all[start..<i]), lineNumber)
                } else {
                    carry.append(contentsOf: all[start..<i])
                    let number = lineNumber
                    carry.withUnsafeBufferPointer { body($0, number) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            carry.append(contentsOf: all[start..<n])
        }
        return true
    }

    /// At the end of the input: a last line without its newline is still a line.
    mutating func finish(_ body: (UnsafeBufferPointer<UInt8>, Int64) -> Void) {
        guard !carry.isEmpty else { return }
        lineNumber += 1
        let number = lineNumber
        carry.withUnsafeBufferPointer { body($0, number) }
        carry.removeAll()
    }
}
