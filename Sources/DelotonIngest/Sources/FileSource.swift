import DelotonCore
import Foundation

/// A JSONL capture in wire format, read in large chunks and never held whole.
///
/// Positions are line numbers (1-based), so a quarantined line can be found with `sed -n Np`.
public struct FileSource: Sendable {
    public let path: String
    /// Keep reading as the file grows (`--follow`), instead of ending at its end.
    public var follow: Bool
    /// `file:` and the absolute path, so the same file read through another relative path
    /// keeps the same quarantine positions and stream names.
    public let sourceName: String

    public init(path: String, follow: Bool = false) {
        self.path = path
        self.follow = follow
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        sourceName = "file:" + URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public init(path: String) { self.path = path }
        public var description: String { "input file not found: \(path) (check the path given to --source file:PATH)" }
    }

    public var size: Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }

    /// Feeds every line to the pipeline; `progress` gets the bytes read so far and the pipeline's totals.
    public func run(into pipeline: inout IngestPipeline, stop: @Sendable () -> Bool = { false },
                    progress: (Int64, IngestStats) -> Void = { _, _ in }) async throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Missing(path: path) }
        defer { close(fd) }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var carry: [UInt8] = []
        var lineNumber: Int64 = 0
        var bytesRead: Int64 = 0
        let source = sourceName
        while !stop() {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunk) }
            if n < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            if n == 0 {
                guard follow else { break }
                try await pipeline.tick()
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            bytesRead += Int64(n)
            buffer.withUnsafeBufferPointer { all in
                let data = UnsafeBufferPointer(rebasing: all[0..<n])
                var start = 0
                for i in 0..<n where data[i] == 0x0A {
                    lineNumber += 1
                    if carry.isEmpty {
                        pipeline.accept(UnsafeBufferPointer(rebasing: data[start..<i]), source: source, position: lineNumber,
                                        stream: source, splitByMessageKey: true)
                    } else {
                        carry.append(contentsOf: data[start..<i])
                        carry.withUnsafeBufferPointer {
                            pipeline.accept($0, source: source, position: lineNumber, stream: source, splitByMessageKey: true)
                        }
                        carry.removeAll(keepingCapacity: true)
                    }
                    start = i + 1
                }
                carry.append(contentsOf: data[start..<n])
            }
            progress(bytesRead, pipeline.stats)
            try await pipeline.tick()
        }
        if !carry.isEmpty, !stop() {
            // A last line without its newline is still a line.
            lineNumber += 1
            carry.withUnsafeBufferPointer {
                pipeline.accept($0, source: source, position: lineNumber, stream: source, splitByMessageKey: true)
            }
        }
    }
}
