import DelotonCore
import DelotonNotify
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Alert latency with 1,000 bikes riding in real time (issue 6 benchmark), for the report, not a
/// pass/fail gate: `DELOTON_BENCH=1 swift test --filter AlertBenchmark`.
///
/// Each bike sends one reading a second at its own phase; lines go through `RideAssembler`s and
/// are written in batches the way `IngestPipeline` writes them (a batch holding a new alert is
/// written at once, any other once its oldest line has waited `IngestOptions.maxBatchDelay`, 25 ms;
/// the next one is built while the previous commits); the dispatcher is woken right after each
/// commit that recorded alerts, as the pipeline's `onCommitted` does, and mails them to aiosmtpd
/// on loopback. About a third of the bikes break their safe range once, at a random second.
///
/// Measured per alert, from the moment the third out-of-range reading is handed to its assembler:
/// to the commit of the batch holding the alert, and to the SMTP server's acceptance.
@Suite("AlertBenchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["DELOTON_BENCH"] == "1"))
struct AlertBenchmarkTests {
    static let bikes = 1_000
    static let seconds = Int(ProcessInfo.processInfo.environment["DELOTON_BENCH_SECONDS"] ?? "") ?? 60

    final class Timings: Sendable {
        struct State {
            var arrived: [RideKey: ContinuousClock.Instant] = [:]
            var committed: [RideKey: ContinuousClock.Instant] = [:]
            var rideKeys: [Int64: RideKey] = [:]
            var accepted: [Int64: ContinuousClock.Instant] = [:]
            var writes: [Double] = []
        }
        let state = Mutex(State())
    }

    private static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    private static func summary(_ values: [Double]) -> String {
        let s = values.sorted()
        guard !s.isEmpty else { return "no samples" }
        func p(_ q: Double) -> Double { s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)] }
        return String(format: "n %d, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", s.count, p(0.5), p(0.9), p(0.99), s.last ?? 0)
    }

    /// `IngestOptions.maxBatchDelay` (this target does not link DelotonIngest).
    static let batchDelay = Duration.milliseconds(25)

    @Test func thousandBikesInRealTime() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            let timings = Timings()
            let zone = Zone(identifier: "Europe/London")!
            let dispatcher = AlertDispatcher(
                sql: w.sql, mailer: SMTPMailer(settings: try SMTPSettings(url: sink.url)),
                settings: AlertDispatchSettings(from: AlertTesting.sender, zone: zone), logger: Logger(label: "bench"),
                onEvent: { event in
                    if case .sent = event.outcome { timings.state.withLock { $0.accepted[event.rideID] = event.at } }
                })
            let dispatching = Task { await dispatcher.run() }

            var rng = SystemRandomNumberGenerator()
            let base = LocalDateTime(year: 2022, month: 7, day: 6, hour: 10, minute: 0, second: 0)
            // Per bike: its phase within each second, and the second its run of three starts (if any).
            let phases = (0..<Self.bikes).map { _ in Int64.random(in: 0..<1_000, using: &rng) }
            let alertAt = (0..<Self.bikes).map { _ in Int.random(in: 0..<3, using: &rng) == 0 ? Int.random(in: 5...(Self.seconds - 5), using: &rng) : nil }
            let expected = alertAt.compactMap { $0 }.count
            var assemblers = (0..<Self.bikes).map { RideAssembler(stream: "bike-\($0)", zone: zone) }
            var keys: [RideKey?] = Array(repeating: nil, count: Self.bikes)
            func local(_ second: Int, _ bike: Int, _ extraMs: Int64 = 0) -> LocalDateTime {
                LocalDateTime(date: base.date, microsecondOfDay: base.microsecondOfDay + Int64(second) * 1_000_000
                              + (phases[bike] + extraMs) * 1_000)
            }
            for bike in 0..<Self.bikes {
                let p = AlertScript.profile(id: bike + 1, email: "rider\(bike + 1)@example.com", bike: "BK\(bike)")
                for line: StreamLine in [.beginningOfRide, .gettingUserData(local(0, bike)), .system(local(0, bike, 500), p)] {
                    _ = assemblers[bike].consume(line)
                }
                keys[bike] = assemblers[bike].open?.key
            }

            let clock = ContinuousClock()
            let start = clock.now
            var batchStarted: ContinuousClock.Instant?
            var urgent = false
            var dirty = Set<Int>()
            var inflight: Task<Void, any Error>?
            var next = Array(repeating: 1, count: Self.bikes)  // the next elapsed second per bike
            var order = Array(0..<Self.bikes)
            order.sort { phases[$0] < phases[$1] }
            var cursorSecond = 1, cursorIndex = 0

            func flush() async throws {
                var batch = IngestBatch()
                for i in dirty { assemblers[i].drain(into: &batch) }
                dirty.removeAll(keepingCapacity: true)
                if let inflight { try await inflight.value }
                batchStarted = nil
                urgent = false
                guard !batch.isEmpty else { return }
                let toWrite = batch
                inflight = Task {
                    let started = ContinuousClock.now
                    let outcome = try await w.warehouse.write(toWrite)
                    let now = ContinuousClock.now
                    timings.state.withLock { $0.writes.append(Self.ms(now - started)) }
                    if !outcome.newAlertIDs.isEmpty {
                        dispatcher.wake()
                        let alerted = toWrite.rides.compactMap { $0.alert?.rideKey }
                        timings.state.withLock { s in
                            for key in alerted {
                                s.committed[key] = now
                                if let id = outcome.rideIDs[key] { s.rideKeys[id] = key }
                            }
                        }
                    }
                }
            }

            // Real time: every few milliseconds, hand over the readings whose moment has come.
            while cursorSecond <= Self.seconds {
                let now = clock.now
                let elapsedMs = Int64(Self.ms(now - start))
                while cursorSecond <= Self.seconds {
                    let bike = order[cursorIndex]
                    guard Int64(cursorSecond - 1) * 1_000 + phases[bike] <= elapsedMs else { break }
                    let d = next[bike]
                    let run = alertAt[bike].map { (($0)..<($0 + 3)).contains(d) } ?? false
                    let hr = run ? 200 : 120
                    _ = assemblers[bike].consume(.ride(local(d, bike), duration: d, resistance: 30))
                    _ = assemblers[bike].consume(.telemetry(local(d, bike, 1), heartRate: hr, rpm: 60, power: 180))
                    if run, d == (alertAt[bike] ?? 0) + 2, let key = keys[bike] {
                        timings.state.withLock { $0.arrived[key] = .now }
                        urgent = true
                    }
                    next[bike] += 1
                    dirty.insert(bike)
                    if batchStarted == nil { batchStarted = clock.now }
                    cursorIndex += 1
                    if cursorIndex == order.count { cursorIndex = 0; cursorSecond += 1 }
                }
                if urgent || (batchStarted.map { clock.now - $0 >= Self.batchDelay } ?? false) {
                    try await flush()
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            try await flush()
            if let inflight { try await inflight.value }
            let deadline = clock.now + .seconds(20)
            while timings.state.withLock({ $0.accepted.count }) < expected, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            await dispatcher.stop()
            await dispatching.value

            let (toCommit, toAccept, writes) = timings.state.withLock { s -> ([Double], [Double], [Double]) in
                let commit = s.committed.compactMap { key, at in s.arrived[key].map { Self.ms(at - $0) } }
                let accept = s.accepted.compactMap { id, at in s.rideKeys[id].flatMap { s.arrived[$0] }.map { Self.ms(at - $0) } }
                return (commit, accept, s.writes)
            }
            let counts = try await w.outbox.counts()
            print("""
                Alerts, \(Self.bikes) bikes in real time for \(Self.seconds) s, \(expected) alerts, batches as the pipeline writes them:
                  reading -> committed in outbox: \(Self.summary(toCommit))
                  reading -> accepted by SMTP:    \(Self.summary(toAccept))
                  batch write (transaction):      \(Self.summary(writes))
                  outbox: \(counts[.sent] ?? 0) sent, \(counts[.pending] ?? 0) pending, \(counts[.failed] ?? 0) failed
                """)
            #expect(counts[.sent] == expected)
            #expect(sink.messages().count == expected)
        }
    }
}
