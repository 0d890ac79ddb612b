import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@Suite("Change feed")
struct ChangeFeedTests {
    static let logger = Logger(label: "test")

    @Test("the payload names what changed in words, and a reader ignores words it does not know")
    func payload() {
        var outcome = WriteOutcome()
        #expect(WarehouseChanges(outcome).isEmpty)
        outcome.newReadings = 3
        outcome.newAlertIDs = [7]
        let changes = WarehouseChanges(outcome)
        #expect(changes == [.readings, .alerts])
        #expect(changes.payload == "readings,alerts")
        #expect(WarehouseChanges(payload: changes.payload) == changes)
        #expect(WarehouseChanges(payload: "rides,bikes,readings") == [.rides, .readings])
        #expect(WarehouseChanges(payload: "").isEmpty)
    }

    @Test("SQLite pushes nothing: the feed ends at once, so readers keep polling")
    func sqliteHasNoPush() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deloton-feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let w = try await Warehouses.open("sqlite:" + folder.path + "/w.sqlite", logger: Self.logger)
        var events: [ChangeFeedEvent] = []
        for await e in w.changes.subscribe() { events.append(e) }
        #expect(events.isEmpty)
        try await w.close()
    }

    @Test("a commit in one warehouse connection is announced to another's listener; a replay is not")
    func commitsAreAnnounced() async throws {
        let url = try await PostgresServer.freshDatabase()
        let reader = try await Warehouses.open(url, logger: Self.logger)
        let writer = try await Warehouses.open(url, migrate: false, logger: Self.logger)
        let feed = FeedLog(reader.changes)
        #expect(await feed.wait(timeout: .seconds(10)) { $0.contains(.listening) })

        let batches = StreamFixture.batches(lines: try StreamFixture.realSample + StreamFixture.handMade, source: "file:n", every: 40)
        _ = try await WarehouseParityTests.write(batches, to: writer)
        #expect(await feed.wait(timeout: .seconds(5)) { Self.announced($0).contains([.readings, .rides, .alerts]) })
        // Each notification says only which kinds changed.
        #expect(feed.events.allSatisfy { if case .committed(let c) = $0 { !c.isEmpty } else { true } })

        // Notifications arrive in commit order, each a few milliseconds after its commit.
        try await Task.sleep(for: .milliseconds(500))
        let before = feed.events.count
        _ = try await WarehouseParityTests.write(batches, to: writer)
        try await Task.sleep(for: .milliseconds(500))
        #expect(feed.events.count == before, "a replay changes nothing, so it wakes nobody: \(feed.events.dropFirst(before))")

        try await writer.close()
        let closing = ContinuousClock.now
        try await reader.close()
        #expect(ContinuousClock.now - closing < .seconds(2))
        #expect(await feed.wait(timeout: .seconds(2)) { _ in feed.ended })
    }

    @Test("the listener survives a PostgreSQL restart: subscribers hear it lost and back, and notifications resume")
    func survivesRestart() async throws {
        let server = try await PostgresServer.privateServer()
        defer { server.destroy() }
        let reader = try await Warehouses.open(server.url, logger: Self.logger)
        let feed = FeedLog(reader.changes)
        #expect(await feed.wait(timeout: .seconds(10)) { $0.contains(.listening) })

        try await server.kill()
        #expect(await feed.wait(timeout: .seconds(5)) { $0.contains(.lost) })
        // Down for a few seconds, as a restart is: the listener keeps trying meanwhile.
        try await Task.sleep(for: .seconds(3))
        try await server.start()
        let started = ContinuousClock.now
        #expect(await feed.wait(timeout: .seconds(15)) { $0.filter { $0 == .listening }.count == 2 })
        // The longest wait between attempts is 5 s, drawn from its upper half.
        #expect(ContinuousClock.now - started < .seconds(10))

        let writer = try await Warehouses.open(server.url, migrate: false, logger: Self.logger)
        _ = try await WarehouseParityTests.write(StreamFixture.batches(lines: try StreamFixture.realSample, source: "file:r"), to: writer)
        #expect(await feed.wait(timeout: .seconds(5)) { Self.announced($0).contains(.readings) })
        try await writer.close()
        try await reader.close()
    }

    @Test("closing stops a listener that is waiting to reconnect at once")
    func closeWhileReconnecting() async throws {
        let server = try await PostgresServer.privateServer()
        defer { server.destroy() }
        let reader = try await Warehouses.open(server.url, logger: Self.logger)
        let feed = FeedLog(reader.changes)
        #expect(await feed.wait(timeout: .seconds(10)) { $0.contains(.listening) })
        try await server.stop()
        #expect(await feed.wait(timeout: .seconds(5)) { $0.contains(.lost) })
        try await Task.sleep(for: .seconds(2))
        let closing = ContinuousClock.now
        try await reader.close()
        #expect(ContinuousClock.now - closing < .seconds(2))
        #expect(await feed.wait(timeout: .seconds(2)) { _ in feed.ended })
    }

    @Test("reconnection waits double up to 5 s, each from the upper half of its ceiling")
    func retryDelays() {
        for (failures, ceiling) in [(1, 0.25), (2, 0.5), (3, 1.0), (5, 4.0), (6, 5.0), (40, 5.0)] {
            let d = PostgresChangeListener.reconnect.delay(afterAttempt: failures) / .seconds(1)
            #expect(d >= ceiling / 2 && d <= ceiling, "after \(failures): \(d)")
        }
    }

    static func announced(_ events: [ChangeFeedEvent]) -> WarehouseChanges {
        events.reduce(into: []) { all, e in if case .committed(let c) = e { all.formUnion(c) } }
    }
}

/// Everything a subscription heard, collected on a task of its own.
final class FeedLog: Sendable {
    private let state = Mutex<(events: [ChangeFeedEvent], ended: Bool)>(([], false))

    init(_ feed: any ChangeFeed) {
        let stream = feed.subscribe()
        Task {
            for await e in stream { self.state.withLock { $0.events.append(e) } }
            self.state.withLock { $0.ended = true }
        }
    }

    var events: [ChangeFeedEvent] { state.withLock { $0.events } }
    var ended: Bool { state.withLock { $0.ended } }

    func wait(timeout: Duration, until done: ([ChangeFeedEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if done(events) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return done(events)
    }
}
