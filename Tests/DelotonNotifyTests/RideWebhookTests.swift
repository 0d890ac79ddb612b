import DelotonCore
import DelotonConcurrency
import DelotonNotify
import DelotonStore
import DelotonTestSupport
import Foundation
import Synchronization
import Testing

/// The end-of-ride webhook against a real HTTP server on loopback.
@Suite("RideWebhookNotifier", .serialized)
struct RideWebhookTests {
    /// A stand-in for the API's ride renderer: a few fields of the stored ride as JSON.
    static func renderer(_ sql: any SQLExecutor) -> RideWebhookNotifier.Renderer {
        { id in
            guard let row = try await sql.query(
                "SELECT id, rider_id, bike_serial, reading_count, in_progress, alert_raised FROM rides WHERE id = \(id)").first
            else { return nil }
            let object: [String: Any] = [
                "id": try row.decode("id", as: Int64.self), "rider_id": try row.decode("rider_id", as: Int64.self),
                "bike_serial": try row.decode("bike_serial", as: String.self), "reading_count": try row.decode("reading_count", as: Int64.self),
                "in_progress": try row.decode("in_progress", as: Bool.self), "alert_sent": try row.decode("alert_raised", as: Bool.self),
            ]
            return [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
    }

    final class Outcomes: Sendable {
        let items = Mutex<[Int64: RideWebhookNotifier.Outcome]>([:])
        func add(_ id: Int64, _ o: RideWebhookNotifier.Outcome) { items.withLock { $0[id] = o } }
        var all: [Int64: RideWebhookNotifier.Outcome] { items.withLock { $0 } }
    }

    private static let quick = RideWebhookNotifier.Settings(
        maxAttempts: 3, backoff: RetryBackoff(initial: .milliseconds(50), maximum: .milliseconds(100)))

    @Test func endedRideIsPostedAsJSON() async throws {
        let sink = try await HTTPSink()
        defer { sink.shutdown() }
        try await AlertWarehouse.with { w in
            // One ended ride (with an alert) and one still in progress in the same batch.
            var lines = AlertScript.alertingRide(AlertScript.profile(id: 1, bike: "E1"))
            let ended = try await w.ingest(lines, stream: "a")
            lines = AlertScript.alertingRide(AlertScript.profile(id: 2, bike: "E2"))
            let open = try await w.ingest(lines, stream: "b", end: false)
            #expect(ended.endedRideIDs.count == 1 && open.endedRideIDs.isEmpty)

            let outcomes = Outcomes()
            let rendered = Mutex<[Int64]>([])
            let notifier = RideWebhookNotifier(
                client: try WebhookClient(url: sink.url + "/hooks/rides?token=secret"), render: Self.renderer(w.sql),
                settings: Self.quick, onRendered: { id, _ in rendered.withLock { $0.append(id) } },
                onOutcome: { outcomes.add($0, $1) })
            let task = Task { await notifier.run() }
            notifier.ridesEnded(ended.endedRideIDs + open.endedRideIDs)
            notifier.finish()
            await task.value

            let rideID = try #require(ended.endedRideIDs.first)
            #expect(outcomes.all == [rideID: .delivered(attempts: 1)])
            #expect(rendered.withLock { $0 } == [rideID])
            let bodies = await sink.waitForBodies(count: 1)
            #expect(bodies.count == 1)
            let body = try #require(bodies.first)
            let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(json["id"] as? Int == Int(rideID))
            #expect(json["bike_serial"] as? String == "E1")
            #expect(json["reading_count"] as? Int == 8)
            #expect(json["in_progress"] as? Bool == false && json["alert_sent"] as? Bool == true)
            let headers = try #require(sink.headers().first)
            #expect(headers.contains("POST /hooks/rides?token=secret"))
            #expect(headers.lowercased().contains("content-type: application/json"))
        }
    }

    @Test func serverErrorsAreRetriedThenGivenUp() async throws {
        let sink = try await HTTPSink(status: 503)
        defer { sink.shutdown() }
        let outcomes = Outcomes()
        let notifier = RideWebhookNotifier(
            client: try WebhookClient(url: sink.url), render: { _ in Array("{\"id\":1}".utf8) },
            settings: Self.quick, onOutcome: { outcomes.add($0, $1) })
        let task = Task { await notifier.run() }
        notifier.ridesEnded([1])
        notifier.finish()
        await task.value
        #expect(sink.bodies().count == 3)
        guard case .gaveUp(let reason, let attempts)? = outcomes.all[1] else {
            Issue.record("expected gaveUp, got \(String(describing: outcomes.all[1]))")
            return
        }
        #expect(attempts == 3 && reason.contains("503"))
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let sink = try await HTTPSink(status: 404)
        defer { sink.shutdown() }
        let outcomes = Outcomes()
        let notifier = RideWebhookNotifier(
            client: try WebhookClient(url: sink.url), render: { _ in Array("{}".utf8) },
            settings: Self.quick, onOutcome: { outcomes.add($0, $1) })
        let task = Task { await notifier.run() }
        notifier.ridesEnded([5])
        notifier.finish()
        await task.value
        #expect(sink.bodies().count == 1)
        #expect(outcomes.all[5] == .gaveUp(reason: "http://127.0.0.1:\(sink.port) answered HTTP 404", attempts: 1))
    }

    @Test func unreachableEndpointIsRetriedAndRenderFailuresToo() async throws {
        let calls = Mutex(0)
        let outcomes = Outcomes()
        // Nothing listens on this port: connection refused every time.
        let port = try await HTTPSink().port
        let notifier = RideWebhookNotifier(
            client: try WebhookClient(url: "http://127.0.0.1:\(port)", connectTimeout: .seconds(1)),
            render: { id in
                let n = calls.withLock { $0 += 1; return $0 }
                if n == 1 { struct Busy: Error {}; throw Busy() }
                return id == 9 ? nil : Array("{}".utf8)
            },
            settings: Self.quick, onOutcome: { outcomes.add($0, $1) })
        let task = Task { await notifier.run() }
        notifier.ridesEnded([8])
        notifier.finish()
        await task.value
        guard case .gaveUp(let reason, let attempts)? = outcomes.all[8] else {
            Issue.record("expected gaveUp, got \(String(describing: outcomes.all[8]))")
            return
        }
        #expect(attempts == 3 && reason.contains("cannot POST to http://127.0.0.1:\(port)"))
        #expect(calls.withLock { $0 } == 2)  // rendered again after the failure, then kept

        let skipped = RideWebhookNotifier(client: nil, render: { _ in nil }, onOutcome: { outcomes.add($0, $1) })
        let second = Task { await skipped.run() }
        skipped.ridesEnded([9])
        skipped.finish()
        await second.value
        #expect(outcomes.all[9] == .skipped)
    }
}
