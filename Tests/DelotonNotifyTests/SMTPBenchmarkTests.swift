import DelotonNotify
import DelotonTestSupport
import Foundation
import Testing

/// Figures for the report, not a pass/fail gate: `DELOTON_BENCH=1 swift test --filter SMTPBenchmark`.
@Suite("SMTPBenchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["DELOTON_BENCH"] == "1"))
struct SMTPBenchmarkTests {
    private func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    private func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    @Test func sequentialLatency() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let mailer = SMTPMailer(settings: try SMTPSettings(url: sink.url))
        try await mailer.send(SampleMessages.alert(id: "warm-up@deloton"))
        var samples: [Double] = []
        let clock = ContinuousClock()
        let total = try await clock.measure {
            for index in 0..<200 {
                let started = clock.now
                try await mailer.send(SampleMessages.alert(id: "seq-\(index)@deloton"))
                samples.append(milliseconds(clock.now - started))
            }
        }
        samples.sort()
        print("SMTP sequential, 200 alerts (\(SampleMessages.alert().rfc5322().count) B): p50 \(percentile(samples, 0.5)) ms, p99 \(percentile(samples, 0.99)) ms, max \(samples.last ?? 0) ms, \(String(format: "%.0f", 200 / (milliseconds(total) / 1000))) msg/s")
        #expect(await sink.waitForMessages(count: 201).count == 201)
    }

    @Test(arguments: [1, 4, 8])
    func concurrentThroughput(concurrency: Int) async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let mailer = SMTPMailer(settings: try SMTPSettings(url: sink.url), concurrency: concurrency)
        let count = 400
        let elapsed = try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask { try await mailer.send(SampleMessages.alert(id: "c\(concurrency)-\(index)@deloton")) }
                }
                try await group.waitForAll()
            }
        }
        print("SMTP \(count) alerts submitted at once, \(concurrency) transfer thread(s): \(String(format: "%.0f", Double(count) / (milliseconds(elapsed) / 1000))) msg/s, \(String(format: "%.0f", milliseconds(elapsed))) ms in all")
        #expect(await sink.waitForMessages(count: count).count == count)
    }

    @Test func reportLatency() async throws {
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let mailer = SMTPMailer(settings: try SMTPSettings(url: sink.url))
        var message = SampleMessages.report()
        message.attachments = [.init(filename: "report.pdf", mimeType: "application/pdf", data: Array(repeating: 0x41, count: 2_000_000))]
        let elapsed = try await ContinuousClock().measure { try await mailer.send(message) }
        let renderTime = ContinuousClock().measure { _ = message.rfc5322() }
        print("SMTP report with 2 MB PDF (\(message.rfc5322().count) B): render \(String(format: "%.1f", milliseconds(renderTime))) ms, send \(String(format: "%.1f", milliseconds(elapsed))) ms")
    }
}
