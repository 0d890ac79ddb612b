import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

/// `GET /daily`: its original whole-day answer, its pages, and the validators of a finished day.
@Suite struct DailyRouteTests {
    /// Five riders who all start at 10:00:00 London on 26 July 2022: ties on start time, so only
    /// the id orders them.
    static func sameStartLines() -> [String] {
        (0..<5).flatMap { n in
            Fixture.ride(userID: 910 + n, name: "Ms Tia N. Rider", gender: "female", dob: "1980-01-01",
                         email: "tia\(n)@example.com", bike: "SN091\(n)", start: (2022, 7, 26, 10, 0, 0), seconds: 5) { _ in 100 }
        }
    }

    @Test(arguments: Backend.allCases) func defaultAnswerIsStillTheWholeDayAsOneArray(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        // What the route wrote before it paged: every ride of the day, rendered into one array.
        let rides = try await RideQueries(fixture.warehouse.sql).rides(startingIn: Fixture.london.interval(of: CivilDate(year: 2022, month: 7, day: 25)))
        var w = JSONWriter(capacity: 4096)
        w.array { w in for r in rides { Rendering(zone: Fixture.london).ride(r, into: &w) } }
        let expected = w.text
        try await fixture.test { client async throws in
            for _ in 0..<2 {  // the second from the cache
                let answer = try await client.call("/daily?date=25-07-2022")
                #expect(answer.status == .ok)
                #expect(answer.body == expected)
                #expect(answer.headers[.contentType] == "application/json; charset=utf-8")
                #expect(answer.headers[Responses.link] == nil)
            }
        }
    }

    @Test(arguments: Backend.allCases) func pagesWalkTheDayWithNoGapOrRepeat(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        _ = try await fixture.ingest(Self.sameStartLines(), stream: "file:same-start")
        try await fixture.test { client async throws in
            for day in ["26-07-2022", "2022-07-25", "06-07-2022"] {
                let whole = try await client.call("/daily?date=\(day)").array.compactMap { $0["id"] as? Int }
                #expect(!whole.isEmpty)
                for limit in [1, 2, 1000] {
                    var seen: [Int] = [], pages = 0
                    var uri: String? = "/daily?date=\(day)&limit=\(limit)"
                    while let next = uri {
                        let page = try await client.call(next)
                        #expect(page.status == .ok)
                        seen += (page.object["rides"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                        uri = page.object["next"] as? String
                        #expect(page.headers[Responses.link] == uri.map { "<\($0)>; rel=\"next\"" })
                        pages += 1
                        if pages > 20 { break }
                    }
                    #expect(seen == whole, "\(day) limit \(limit)")
                    #expect(pages == max(1, (whole.count + limit - 1) / limit), "\(day) limit \(limit)")
                }
            }
            // A cursor alone pages by 100; the link keeps the day it is on.
            let first = try await client.call("/daily?date=26-07-2022&limit=2")
            let link = try #require(first.object["next"] as? String)
            #expect(link.hasPrefix("/daily?cursor="))
            #expect(link.hasSuffix("&date=2022-07-26&limit=2"))
            let cursor = try #require(link.split(separator: "=")[1].split(separator: "&").first)
            let rest = try await client.call("/daily?date=26-07-2022&cursor=\(cursor)")
            #expect((rest.object["rides"] as? [[String: Any]])?.count == 3)
            #expect(rest.object["next"] is NSNull)
            let csv = try await client.call("/daily?date=26-07-2022&limit=2", headers: [.accept: "text/csv"])
            #expect(csv.body.split(separator: "\r\n").count == 3)
            #expect(csv.headers[Responses.link] == "<\(link)>; rel=\"next\"")
            for bad in ["limit=0", "limit=1001", "limit=abc", "limit=99999999999999999999999", "cursor=abc", "cursor=1_2_3"] {
                let answer = try await client.call("/daily?date=26-07-2022&\(bad)")
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.errorShape?.type == "bad_request")
            }
        }
    }

    @Test(arguments: Backend.allCases) func aFinishedDayRevalidatesWithItsTag(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let first = try await client.call("/daily?date=2022-07-25&limit=2")
            let tag = try #require(first.headers[.eTag])
            #expect(tag.hasPrefix("\"") && !tag.hasPrefix("W/"))
            #expect(first.headers[.cacheControl] == "private, no-cache")
            for sent in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
                let again = try await client.call("/daily?date=2022-07-25&limit=2", headers: [.ifNoneMatch: sent])
                #expect(again.status == .notModified, "\(sent)")
                #expect(again.body.isEmpty)
                #expect(again.headers[.eTag] == tag)
                #expect(again.headers[.cacheControl] == "private, no-cache")
            }
            let stale = try await client.call("/daily?date=2022-07-25&limit=2", headers: [.ifNoneMatch: "\"other\""])
            #expect(stale.status == .ok)
            #expect(stale.body == first.body)
            // Each answer has its own tag: the whole day, another page size, CSV.
            var tags: Set<String> = [tag]
            let others: [(String, HTTPFields)] = [("/daily?date=25-07-2022", [:]), ("/daily?date=2022-07-25&limit=3", [:]),
                                                  ("/daily?date=2022-07-25&limit=2", [.accept: "text/csv"])]
            for (uri, headers) in others {
                let answer = try await client.call(uri, headers: headers)
                tags.insert(try #require(answer.headers[.eTag]))
            }
            #expect(tags.count == 4)
            // Today is not over: no tag, and If-None-Match is not honoured.
            let today = try await client.call("/daily", headers: [.ifNoneMatch: "*"])
            #expect(today.status == .ok)
            #expect(today.headers[.eTag] == nil)
            #expect(today.headers[.cacheControl] == nil)
        }
    }

    /// Deletions and erasures made elsewhere (another replica, `deloton` on the command line) and
    /// late rides reach this process's answers: the tag moves and the cache misses.
    @Test(arguments: Backend.allCases) func theTagMovesWhenARideOfTheDayGoesOrComes(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let elsewhere = Deletion(fixture.warehouse.sql, stagesProfiles: fixture.warehouse.staging.keepsProfiles)
        try await fixture.test { client async throws in
            func look(_ uri: String = "/daily?date=2022-07-25") async throws -> (tag: String?, riders: [Int]) {
                let answer = try await client.call(uri)
                #expect(answer.status == .ok)
                return (answer.headers[.eTag], answer.array.compactMap { $0["rider_id"] as? Int })
            }
            let before = try await look()
            #expect(before.riders == [901, 900, 900])
            let other = try await look("/daily?date=06-07-2022")

            // A ride deleted.
            let ids = try await client.call("/daily?date=2022-07-25").array.compactMap { ($0["id"] as? Int).map(Int64.init) }
            #expect(try await elsewhere.deleteRide(id: ids[2], by: "test", at: Fixture.now))
            let deleted = try await look()
            #expect(deleted.riders == [901, 900])
            #expect(deleted.tag != nil && deleted.tag != before.tag)
            let gone = try await client.call("/daily?date=2022-07-25", headers: [.ifNoneMatch: before.tag ?? ""])
            #expect(gone.status == .ok)

            // A rider erased.
            #expect(try await elsewhere.eraseRider(id: Fixture.otherRiderID, by: "test", at: Fixture.now) != nil)
            let erased = try await look()
            #expect(erased.riders == [900])
            #expect(erased.tag != nil && erased.tag != deleted.tag)

            // A late ride of the day, first while in progress (no tag), then ended.
            let late = Fixture.ride(userID: 920, name: "Mr Late L. Rider", gender: "male", dob: "1970-01-01",
                                    email: "late@example.com", bike: "SN0920", start: (2022, 7, 25, 23, 0, 0), seconds: 20) { _ in 100 }
            try await Self.ingestOpen(Array(late.prefix(22)), into: fixture)
            let open = try await look()
            #expect(open.riders == [900, 920])
            #expect(open.tag == nil)
            _ = try await fixture.ingest(late, stream: "file:late")
            let ended = try await look()
            #expect(ended.riders == [900, 920])
            #expect(ended.tag != nil && ended.tag != erased.tag)
            let endedAgain = try await client.call("/daily?date=2022-07-25", headers: [.ifNoneMatch: ended.tag ?? ""])
            #expect(endedAgain.status == .notModified)

            // One ride goes and another comes: as many rides as before, and still a new tag.
            let lateID = try #require(try await client.call("/daily?date=2022-07-25").array.last?["id"] as? Int)
            #expect(try await elsewhere.deleteRide(id: Int64(lateID), by: "test", at: Fixture.now))
            let swapped = Fixture.ride(userID: 921, name: "Ms Later L. Rider", gender: "female", dob: "1971-01-01",
                                       email: "later@example.com", bike: "SN0921", start: (2022, 7, 25, 23, 30, 0), seconds: 20) { _ in 100 }
            _ = try await fixture.ingest(swapped, stream: "file:later")
            let replaced = try await look()
            #expect(replaced.riders == [900, 921])
            #expect(replaced.tag != nil && replaced.tag != ended.tag)

            // An ended ride changed in place (what `reprocess` or a hand-made fix would do).
            try await fixture.warehouse.sql.execute("UPDATE rides SET alert_raised = \(true) WHERE rider_id = 921")
            let changed = try await client.call("/daily?date=2022-07-25")
            #expect(changed.headers[.eTag] != nil && changed.headers[.eTag] != replaced.tag)
            #expect(changed.array.last?["alert_sent"] as? Bool == true)

            // Another day, hours away from all of it, kept its tag.
            #expect(try await look("/daily?date=06-07-2022").tag == other.tag)
        }
    }

    /// A ride left open: as a stream that has not ended yet leaves it.
    static func ingestOpen(_ lines: [String], into fixture: Fixture) async throws {
        var parser = LineParser()
        var assembler = RideAssembler(stream: "file:late", zone: Fixture.london)
        for line in lines {
            if case .success(let message) = parser.parse(Array(line.utf8)) { _ = assembler.consume(message.line) }
        }
        var batch = IngestBatch()
        assembler.drain(into: &batch)
        _ = try await fixture.warehouse.write(batch)
    }

    @Test func theCacheStaysWithinItsLimits() {
        let cache = DailyPageCache(limits: .init(maxEntries: 3, maxBytes: 4000))
        func answer(_ bytes: Int) -> DailyPageCache.Answer {
            .init(body: ByteBuffer(repeating: 0x20, count: bytes), contentType: "application/json", link: nil)
        }
        for n in 0..<10 { cache.store(answer(100), for: "t\(n)") }
        #expect(cache.usage.entries == 3)
        #expect(cache.answer(for: "t9") != nil && cache.answer(for: "t0") == nil)
        // Least recently used goes first: t7 was read, so t8 goes.
        _ = cache.answer(for: "t7")
        cache.store(answer(100), for: "t10")
        #expect(cache.answer(for: "t7") != nil && cache.answer(for: "t8") == nil)
        // Bytes: four answers of 900 fit in 4000, a fifth pushes out the oldest.
        let bytes = DailyPageCache(limits: .init(maxEntries: 100, maxBytes: 4000))
        for n in 0..<5 { bytes.store(answer(900), for: "b\(n)") }
        #expect(bytes.usage.entries == 4 && bytes.usage.bytes <= 4000)
        #expect(bytes.answer(for: "b0") == nil && bytes.answer(for: "b4")?.body.readableBytes == 900)
        // No single answer may take more than a quarter.
        bytes.store(answer(1100), for: "huge")
        #expect(bytes.answer(for: "huge") == nil)
        #expect(bytes.usage.entries == 4)
    }
}
