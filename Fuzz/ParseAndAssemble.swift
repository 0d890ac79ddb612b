// libFuzzer target over deloton's ingestion path: LineParser -> RideAssembler -> drain ->
// open-ride state JSON round trip -> resume. Compiled into one module together with
// Sources/DelotonCore (see scripts/fuzz.sh), so DelotonCore's types need no import.
// Any trap (overflow, force unwrap, index out of range) or sanitizer report is a finding.
import Foundation

/// Zones are built once: TimeZone lookups are slow and the fuzzer runs this millions of times.
private let zones = [Zone.utc, Zone(identifier: "Europe/London")!]
/// Streams are keyed by the message key; more distinct keys than this share one stream.
private let maxStreams = 4
/// Drain every this many lines, as the pipeline hands a batch to the warehouse now and then.
private let drainEvery = 16

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    // The first byte's low bit picks the zone, so both the UTC and the DST paths are reached.
    let zone = zones[Int(input.first ?? 0) & 1]
    var parser = LineParser()
    var streams: [String: RideAssembler] = [:]
    var lines = 0

    func flush(resume: Bool) {
        var batch = IngestBatch()
        for name in streams.keys.sorted() {
            guard var assembler = streams[name] else { continue }
            assembler.drain(into: &batch)
            streams[name] = assembler
        }
        for change in batch.rides {
            _ = change.snapshot.metrics
            guard let state = change.snapshot.state else { continue }
            // A non-finite power sum is refused by design (a thrown error, not a crash).
            guard let text = try? state.stateJSON() else { continue }
            var decoded: OpenRide
            do {
                decoded = try JSONDecoder().decode(OpenRide.self, from: Data(text.utf8))
            } catch {
                fatalError("saved state does not decode: \(error)\n\(text)")
            }
            // The histograms are stored as text in columns of their own and read back with the state.
            decoded.totals.heartRateBins = RideHistogram(width: RideHistogram.heartRateWidth,
                                                         text: Substring(state.totals.heartRateBins.text))
            decoded.totals.powerBins = RideHistogram(width: RideHistogram.powerWidth, text: Substring(state.totals.powerBins.text))
            precondition(decoded == state, "saved state reads back as a different ride:\n\(text)")
            // A restart carries the ride on from its saved state.
            if resume, streams[state.stream]?.open?.key == decoded.key {
                streams[state.stream] = RideAssembler(stream: state.stream, zone: zone, resume: decoded)
            }
        }
    }

    var start = 0
    while start <= input.count {
        var end = start
        while end < input.count, input[end] != 0x0A { end += 1 }
        let result = parser.parse(UnsafeBufferPointer(rebasing: input[start..<end]))
        start = end + 1
        guard case .success(let message) = result else { continue }
        var name = message.key ?? ""
        if streams[name] == nil, streams.count >= maxStreams { name = "overflow" }
        var assembler = streams[name] ?? RideAssembler(stream: name, zone: zone)
        _ = assembler.consume(message.line)
        streams[name] = assembler
        lines += 1
        if lines % drainEvery == 0 { flush(resume: true) }
    }
    for name in streams.keys.sorted() { streams[name]?.endRide() }
    flush(resume: false)
    return 0
}
