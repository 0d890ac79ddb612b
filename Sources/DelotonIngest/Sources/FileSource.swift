import DelotonConcurrency
import DelotonCore
import Foundation
import Synchronization

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
    ///
    /// A task of its own reads and parses the file a chunk at a time, while this one assembles
    /// and batches: the pipeline task was the whole ingest's bottleneck with both on it. They hand
    /// over whole chunks (thousands of lines), so the hand-over costs nothing per line.
    public func run(into driver: inout IngestDriver, stop: @Sendable () -> Bool = { false },
                    progress: (Int64, IngestStats) -> Void = { _, _ in }) async throws {
        // A few chunks ahead keeps both tasks busy; more would only hold memory.
        let chunks = BoundedChannel<Delivery>(capacity: 4)
        let path = self.path, follow = self.follow, maxLineBytes = driver.options.maxLineBytes
        let source = sourceName
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await Self.read(path, maxLineBytes: maxLineBytes, follow: follow, into: chunks) }
            // Releases the reading task if this one stops first (stop requested, an error).
            defer { _ = chunks.close() }
            while !stop(), let delivery = await chunks.next() {
                switch delivery {
                case .failed(let error):
                    throw error
                case .caughtUp:
                    try await driver.idle()
                case .lines(let chunk):
                    chunk.feed(into: &driver, source: source)
                    progress(chunk.bytesRead, driver.stats)
                    try await driver.idle()
                }
            }
        }
    }

    /// What the reading task hands over.
    enum Delivery: Sendable {
        case lines(ParsedChunk)
        /// At the end of a followed file, every 100 ms: the pipeline still ends silent streams' rides
        /// and writes a batch that has waited long enough.
        case caughtUp
        case failed(any Error)
    }

    /// The reading task: the file's chunks, parsed, then the end of the channel. A last line
    /// without its newline counts only when the file is not followed (it may still be growing).
    ///
    /// Reading and parsing run on a thread of their own, not on one of Swift concurrency's
    /// cooperative threads (as many as cores): there they kept the warehouse writer's task from
    /// running for a whole chunk at each of its round trips, and ingest got slower, not faster.
    private static func read(_ path: String, maxLineBytes: Int, follow: Bool, into chunks: BoundedChannel<Delivery>) async {
        let thread = BlockingExecutor(name: "file-reader")
        defer { thread.shutdown() }
        do {
            let file = try ChunkReader(path: path, maxLineBytes: maxLineBytes)
            while true {
                if let chunk = try await thread.run({ () throws -> ParsedChunk? in try file.next() }) {
                    guard await chunks.send(.lines(chunk)) else { return }
                } else if follow {
                    guard await chunks.send(.caughtUp) else { return }
                    try await Task.sleep(for: .milliseconds(100))
                } else {
                    if let last = file.last() {
                        guard await chunks.send(.lines(last)) else { return }
                    }
                    break
                }
            }
        } catch {
            chunks.sendNow(.failed(error))
        }
        chunks.finish()
    }

    /// The same, for a caller that owns a bare pipeline.
    public func run(into pipeline: inout IngestPipeline, stop: @Sendable () -> Bool = { false },
                    progress: (Int64, IngestStats) -> Void = { _, _ in }) async throws {
        var driver = IngestDriver(pipeline: pipeline)
        defer { pipeline = driver.pipeline }
        try await run(into: &driver, stop: stop, progress: progress)
    }
}

/// A file's reader and parser, for the reading task: one job at a time uses them, on its thread.
final class ChunkReader: Sendable {
    private struct State: ~Copyable {
        var reader: LineReader
        var parser = LineParser()
    }

    private let state: Mutex<State>

    init(path: String, maxLineBytes: Int) throws {
        state = Mutex(State(reader: try LineReader(path: path, maxLineBytes: maxLineBytes)))
    }

    /// The next chunk's lines, parsed; nil at the end of the file as it is now.
    func next() throws -> ParsedChunk? {
        try state.withLock { s in try s.reader.readChunk().map { ParsedChunk($0, parser: &s.parser) } }
    }

    /// A last line without its newline, at the end of the input.
    func last() -> ParsedChunk? {
        state.withLock { s in s.reader.finish().map { ParsedChunk($0, parser: &s.parser) } }
    }
}

/// A chunk of a file's lines, parsed by the reading task.
struct ParsedChunk: Sendable {
    enum Line: Sendable {
        /// A line's parse, and where its bytes are in `bytes` (for the quarantine).
        case parsed(Result<ParsedMessage, ParseFailure>, Range<Int>)
        case oversized(OversizedLine)
    }

    let bytes: [UInt8]
    let lines: [Line]
    /// The first line's number; the others follow it.
    let firstNumber: Int64
    let bytesRead: Int64

    init(_ chunk: LineChunk, parser: inout LineParser) {
        bytes = chunk.bytes
        firstNumber = chunk.firstNumber
        bytesRead = chunk.bytesRead
        lines = chunk.bytes.withUnsafeBufferPointer { all in
            chunk.lines.map { line in
                switch line {
                case .bytes(let range): .parsed(parser.parse(UnsafeBufferPointer(rebasing: all[range])), range)
                case .oversized(let summary): .oversized(summary)
                }
            }
        }
    }

    /// Hands each line to the driver with its position (its line number).
    func feed(into driver: inout IngestDriver, source: String) {
        bytes.withUnsafeBufferPointer { all in
            var position = firstNumber
            for line in lines {
                switch line {
                case .parsed(let parsed, let range):
                    driver.line(parsed, raw: UnsafeBufferPointer(rebasing: all[range]), source: source, position: position,
                                stream: source, splitByMessageKey: true)
                case .oversized(let summary):
                    driver.oversized(summary, source: source, position: position)
                }
                position += 1
            }
        }
    }
}
