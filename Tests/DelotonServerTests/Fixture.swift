import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing
import DelotonTestSupport
@testable import DelotonServer

/// A warehouse filled through the real ingest path (LineParser → RideAssembler → write), with the
/// real sample capture and synthetic rides whose figures the tests know.
struct Fixture: Sendable {
    let url: String
    let warehouse: any Warehouse
    let directory: URL
    let config: ServerConfig
    /// A read key: reads need a credential unless `--public-reads`.
    let readKey: String
    let registry = PrometheusCollectorRegistry()

    /// 15 January 2026, noon UTC: ages and "today" are pinned.
    static let now = Instant(microseconds: 1_768_478_400_000_000)
    static let london = Zone(identifier: "Europe/London")!

    /// Rider 900 (female, born 1990-05-20): two rides on 2022-07-25 local, the first alerting.
    static let alertRiderID: Int64 = 900
    /// Rider 901 (male, born 1950-01-01): one ride on 2022-07-25.
    static let otherRiderID: Int64 = 901

    static func make(_ backend: Backend = .sqlite, publicReads: Bool = false) async throws -> Fixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deloton-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let url = backend == .sqlite ? "sqlite:" + dir.appendingPathComponent("w.sqlite").path
                                     : try await PostgresServer.freshDatabase()
        let warehouse = try await Warehouses.open(url, logger: logger)
        let config = try ServerConfig(host: "127.0.0.1", port: 0, publicReads: publicReads,
                                      now: { Fixture.now })
        let readKey = try await APIKeyStore(warehouse: warehouse, now: { Fixture.now }).create(name: "fixture-reader", scope: .read)
        let fixture = Fixture(url: url, warehouse: warehouse, directory: dir, config: config, readKey: readKey)
        _ = try await fixture.ingest(Self.sampleLines(), stream: "file:real-sample")
        _ = try await fixture.ingest(Self.syntheticLines(), stream: "file:synthetic")
        return fixture
    }

    func ingest(_ lines: [String], stream: String) async throws -> WriteOutcome {
        var parser = LineParser()
        var assembler = RideAssembler(stream: stream, zone: Self.london)
        for line in lines {
            if case .success(let message) = parser.parse(Array(line.utf8)) { _ = assembler.consume(message.line) }
        }
        assembler.endRide()
        var batch = IngestBatch()
        assembler.drain(into: &batch)
        return try await warehouse.write(batch)
    }

    func app() -> some ApplicationProtocol {
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        return buildApplication(config: config, warehouse: warehouse, logger: logger, metrics: registry)
    }

    /// Drives the app in-process as a client holding the fixture's read key (see `KeyedClient`).
    func test(config: ServerConfig? = nil, _ body: @escaping @Sendable (KeyedClient) async throws -> Void) async throws {
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        let app = buildApplication(config: config ?? self.config, warehouse: warehouse, logger: logger, metrics: registry)
        let key = readKey
        try await app.test(.router) { client in try await body(KeyedClient(client: client, key: key)) }
    }

    func close() async {
        try? await warehouse.close()
        try? FileManager.default.removeItem(at: directory)
    }

    static func sampleLines() throws -> [String] {
        try String(contentsOfFile: TestPaths.realSample, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func syntheticLines() -> [String] {
        var lines: [String] = []
        // 2022-07-25 16:12:32 London (BST): 120 s, heart rate far too high from second 10 on.
        lines += ride(userID: 900, name: "Dr Ada M. Byron-King", gender: "female", dob: "1990-05-20",
                      email: "ada@example.com", bike: "SN0900", start: (2022, 7, 25, 16, 12, 32), seconds: 120) { s in
            s < 10 ? 0 : 205
        }
        // Later the same day, the same rider, with another address: a calm ride.
        lines += ride(userID: 900, name: "Dr Ada M. Byron-King", gender: "female", dob: "1990-05-20",
                      email: "ada.new@example.com", bike: "SN0900", start: (2022, 7, 25, 20, 0, 0), seconds: 60) { _ in 110 }
        lines += ride(userID: 901, name: "Mr Jack A. Smith", gender: "male", dob: "1950-01-01",
                      email: "jack@example.com", bike: "SN0901", start: (2022, 7, 25, 9, 0, 0), seconds: 30) { s in 90 + s }
        return lines
    }

    /// Wire-format lines of one ride: power is the elapsed second / 10 W, rpm 60, resistance 40.
    static func ride(userID: Int, name: String, gender: String, dob: String, email: String, bike: String,
                     start: (Int, Int, Int, Int, Int, Int), seconds: Int, hr: (Int) -> Int) -> [String] {
        let dobMs = Int64(CivilDate(iso: dob)!.daysSinceEpoch) * 86_400_000
        let startLocal = LocalDateTime(year: start.0, month: start.1, day: start.2, hour: start.3, minute: start.4, second: start.5)
        func stamp(_ offsetMs: Int) -> String {
            let micros = startLocal.microsecondOfDay + Int64(offsetMs) * 1000
            let day = startLocal.date.adding(days: Int(micros / 86_400_000_000))
            let m = micros % 86_400_000_000
            let h = m / 3_600_000_000, mi = m / 60_000_000 % 60, s = m / 1_000_000 % 60, us = m % 1_000_000
            func pad(_ v: Int64, _ n: Int) -> String { let t = String(v); return String(repeating: "0", count: max(0, n - t.count)) + t }
            return "\(day) \(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(us, 6))"
        }
        func wire(_ text: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: ["log": text + "\n"])
            return String(decoding: data, as: UTF8.self)
        }
        let profile = #"{"user_id":\#(userID),"name":"\#(name)","gender":"\#(gender)","address":"1 High Street,Flat 2,London,EC1A 1AA","date_of_birth":\#(dobMs),"email_address":"\#(email)","height_cm":180,"weight_kg":80,"account_create_date":1640995200000,"bike_serial":"\#(bike)","original_source":"offline"}"#
        var lines = [wire("--------- beginning of a new ride"),
                     wire("\(stamp(0)) mendoza v9: [SYSTEM] data = \(profile)")]
        for s in 1...seconds {
            lines.append(wire("\(stamp(s * 1000)) mendoza v9: [INFO]: Ride - duration = \(s).0; resistance = 40"))
            lines.append(wire("\(stamp(s * 1000 + 500)) mendoza v9: [INFO]: Telemetry - hrt = \(hr(s)); rpm = 60; power = \(Double(s) / 10)"))
        }
        return lines
    }
}

/// Every route test runs on both warehouses: the shared SQL must answer alike.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }
}

/// The parts of an answer the tests look at.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }

    /// The API's error shape: `{"error": {"code", "type"}, "message"}`.
    var errorShape: (code: Int, type: String, message: String)? {
        guard let error = object["error"] as? [String: Any], let code = error["code"] as? Int,
              let type = error["type"] as? String, let message = object["message"] as? String else { return nil }
        return (code, type, message)
    }
}

/// A test client that sends a read key with every request that carries no credential of its own,
/// for the suites about what routes answer rather than who may call them.
struct KeyedClient: Sendable {
    let client: any TestClientProtocol
    let key: String

    func call(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:]) async throws -> Answer {
        var fields = headers
        if fields[.authorization] == nil, fields[Authenticator.apiKeyHeader] == nil { fields[.authorization] = "Bearer \(key)" }
        return try await client.call(uri, method: method, headers: fields)
    }
}

extension TestClientProtocol {
    func call(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:]) async throws -> Answer {
        try await execute(uri: uri, method: method, headers: headers, body: nil) { response in
            Answer(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }
}
