import DelotonCore
import Foundation

/// A JSONL capture in wire format, read in large chunks and never held whole.
///
/// Positions are line numbers (1-based), so a quarantined line can be found with `sed -n Np`.
public struct FileSource: Sendable {
    public let path: String
    /// Keep reading as the file grows, instead of ending at its end.
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
        /// Where the path came from, for the host program to point at.
        public let setting = Setting.fileSource
        public init(path: String) { self.path = path }
        public var description: String { "input file not found: \(path) (check the path given to \(flag: .fileSource) file:PATH)" }
    }

    public var size: Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }

    /// Hands every line to the driver; `progress` gets the bytes read so far and the totals.
    public func run(into driver: inout IngestDriver, stop: @Sendable () -> Bool = { false },
                    progress: (Int64, IngestStats) -> Void = { _, _ in }) async throws {
        var reader = try LineReader(path: path, maxLineBytes: driver.options.maxLineBytes)
        let source = sourceName
        func accept(_ line: LineReader.Line, _ number: Int64) {
            switch line {
            case .bytes(let bytes):
                driver.line(bytes, source: source, position: number, stream: source, splitByMessageKey: true)
            case .oversized(let summary):
                driver.oversized(summary, source: source, position: number)
            }
        }
        while !stop() {
            guard try reader.readChunk(accept) else {
                guard follow else { break }
                try await driver.idle()
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            progress(reader.bytesRead, driver.stats)
            try await driver.idle()
        }
        if !stop() { reader.finish(accept) }
    }

    /// The same, for a caller that owns a bare pipeline.
    public func run(into pipeline: inout IngestPipeline, stop: @Sendable () -> Bool = { false },
                    progress: (Int64, IngestStats) -> Void = { _, _ in }) async throws {
        var driver = IngestDriver(pipeline: pipeline)
        defer { pipeline = driver.pipeline }
        try await run(into: &driver, stop: stop, progress: progress)
    }
}
