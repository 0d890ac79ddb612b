import DelotonCore
import DelotonIngest
import DelotonStore
import Foundation
import Logging

/// The ingest benchmarks behind `deloton bench`: parse only, parse + assemble, and file → warehouse.
public enum IngestBench {
    /// Writes a generated stream with at least `readings` readings; returns its line count.
    public static func generate(readings: Int, to path: String, seed: UInt64 = 42) throws -> Int {
        let rides = readings / 430 + 1
        var sim = StreamSimulator(seed: seed, bikes: 50, rides: rides,
                                  start: LocalDateTime(year: 2026, month: 6, day: 1, hour: 6, minute: 0, second: 0))
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        defer { try? handle.close() }
        var buffer = [UInt8](), lines = 0
        buffer.reserveCapacity(1 << 20)
        while let line = sim.next() {
            buffer.append(contentsOf: WireFormat.message(line.text, key: line.bike).utf8)
            buffer.append(0x0A)
            lines += 1
            if buffer.count >= 1 << 20 { try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
        }
        try handle.write(contentsOf: buffer)
        return lines
    }

    /// Calls `body` with every line of the file.
    static func eachLine(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws {
        var reader = try LineReader(path: path, maxLineBytes: .max)
        func each(_ chunk: LineChunk) {
            chunk.bytes.withUnsafeBufferPointer { all in
                for case .bytes(let range) in chunk.lines { body(UnsafeBufferPointer(rebasing: all[range])) }
            }
        }
        while let chunk = try reader.readChunk() { each(chunk) }
        if let last = reader.finish() { each(last) }
    }

    /// Lines per second through the parser alone.
    public static func parse(_ path: String) throws -> (lines: Int, seconds: Double) {
        var parser = LineParser(), lines = 0, failures = 0
        let started = ContinuousClock.now
        try eachLine(path) { line in
            lines += 1
            if case .failure = parser.parse(line) { failures += 1 }
        }
        return (lines, seconds(since: started))
    }

    /// Readings per second through parser and assembler, nothing written.
    public static func assemble(_ path: String) throws -> (readings: Int, seconds: Double) {
        // Assemblers in an array found through a dictionary of indexes, as the pipeline keeps them:
        // a dictionary of assemblers would copy one out and back for every line.
        var parser = LineParser(), assemblers: [RideAssembler] = [], index: [String: Int] = [:]
        var readings = 0, sinceDrain = 0
        let zone = Zone(identifier: "Europe/London") ?? .utc
        func drain(_ assemblers: inout [RideAssembler]) -> Int {
            var batch = IngestBatch()
            for i in assemblers.indices { assemblers[i].drain(into: &batch) }
            return batch.readingCount
        }
        let started = ContinuousClock.now
        try eachLine(path) { line in
            guard case .success(let message) = parser.parse(line) else { return }
            let stream = message.key ?? ""
            let i = index[stream] ?? {
                assemblers.append(RideAssembler(stream: stream, zone: zone))
                index[stream] = assemblers.count - 1
                return assemblers.count - 1
            }()
            _ = assemblers[i].consume(message.line)
            sinceDrain += 1
            if sinceDrain == 40_000 { readings += drain(&assemblers); sinceDrain = 0 }
        }
        for i in assemblers.indices { assemblers[i].endRide() }
        readings += drain(&assemblers)
        return (readings, seconds(since: started))
    }

    /// Readings per second from a file into a warehouse, committed.
    public static func ingest(_ path: String, into warehouse: any Warehouse, logger: Logger) async throws -> (stats: IngestStats, seconds: Double) {
        var options = IngestOptions(streamZone: Zone(identifier: "Europe/London") ?? .utc)
        options.maxBatchDelay = .seconds(1)
        var driver = IngestDriver(warehouse: warehouse, options: options, logger: logger)
        let started = ContinuousClock.now
        try await FileSource(path: path).run(into: &driver)
        try await driver.finish()
        return (driver.stats, seconds(since: started))
    }

    /// Peak resident memory of this process, in kilobytes (Linux).
    public static func peakRSSKilobytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }
}
