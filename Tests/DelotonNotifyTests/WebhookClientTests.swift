import DelotonNotify
import DelotonTestSupport
import Foundation
import Testing

@Suite("WebhookClient", .serialized)
struct WebhookClientTests {
    private let rideEnded = Data(#"{"event":"ride_ended","ride_id":17,"rider":"Zoë","duration_s":512}"#.utf8)

    @Test func postsTheJSONBody() async throws {
        let sink = try await HTTPSink()
        defer { sink.shutdown() }
        let client = try WebhookClient(url: sink.url + "/hooks/rides?token=s3cret", headers: ["Authorization": "Bearer abc"])
        try await client.post(json: rideEnded)
        let bodies = await sink.waitForBodies(count: 1)
        #expect(bodies == [rideEnded])
        let headers = try #require(sink.headers().first)
        #expect(headers.hasPrefix("POST /hooks/rides?token=s3cret"))
        #expect(headers.contains("Content-Type: application/json"))
        #expect(headers.contains("Authorization: Bearer abc"))
    }

    @Test func largeBodyIsPostedWithoutWaitingForContinue() async throws {
        let sink = try await HTTPSink()
        defer { sink.shutdown() }
        let client = try WebhookClient(url: sink.url)
        let big = Data(("[" + Array(repeating: #"{"hr":120}"#, count: 2000).joined(separator: ",") + "]").utf8)
        try await client.post(json: big)
        #expect(await sink.waitForBodies(count: 1) == [big])
        // curl waits up to a second for "100 Continue" when it sends `Expect:`: it must not.
        #expect(!sink.headers().joined().lowercased().contains("expect: 100-continue"))
    }

    @Test func serverErrorIsTransient() async throws {
        let sink = try await HTTPSink(status: 500)
        defer { sink.shutdown() }
        let client = try WebhookClient(url: sink.url + "/x?token=s3cret")
        let error = await #expect(throws: WebhookError.self) { try await client.post(json: rideEnded) }
        #expect(error?.isTransient == true)
        #expect(error?.statusCode == 500)
        #expect(error?.reason.contains("s3cret") == false)
    }

    @Test func clientErrorIsPermanent() async throws {
        let sink = try await HTTPSink(status: 404)
        defer { sink.shutdown() }
        let error = await #expect(throws: WebhookError.self) { try await WebhookClient(url: sink.url).post(json: rideEnded) }
        #expect(error?.isTransient == false)
        #expect(error?.statusCode == 404)
    }

    @Test func nobodyListeningIsTransient() async throws {
        let sink = try await HTTPSink()
        let url = sink.url + "/secret-path"
        sink.shutdown()
        let error = await #expect(throws: WebhookError.self) { try await WebhookClient(url: url).post(json: rideEnded) }
        #expect(error?.isTransient == true)
        #expect(error?.reason.contains("secret-path") == false)
    }

    @Test(arguments: ["ftp://example.com/x", "example.com/hook", "http://", "https://:8080/x"])
    func rejectsUnusableURLs(url: String) {
        #expect(throws: WebhookClient.ParseError.self) { try WebhookClient(url: url) }
    }
}
