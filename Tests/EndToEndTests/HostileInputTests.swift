import DelotonTestSupport
import Foundation
import Testing

/// Hostile lines and rides between good rides, through a file and through Kafka, into SQLite and
/// PostgreSQL: every run exits 0, every good ride is whole, each hostile line is in quarantine
/// with its real reason, and the API still answers for every rider.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct HostileInputTests {
    /// Riders of hostile rides have ids from here on, so the good rides can be compared alone.
    static let hostileIDs = 900_000

    struct Case {
        /// What the quarantine's reason for the case's first line must contain.
        var reason: String
        var lines: [[UInt8]]
        /// A hostile [SYSTEM] line whose ride is kept without the field.
        var ridesKept: Bool
    }

    static func message(_ line: String) -> [UInt8] { Array(("{\"log\": " + quoted(line + "\n") + "}").utf8) }

    /// A JSON string, as the producer's json.dumps writes one (control characters as \\u escapes).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func time(_ tick: Int) -> String {
        let s = 10 * 3600 + tick / 2
        return String(format: "2026-05-01 %02d:%02d:%02d.%06d", s / 3600, s / 60 % 60, s % 60, tick % 2 * 500_000)
    }

    /// One ride of `readings` seconds whose [SYSTEM] payload has `field` set to `value` (JSON text).
    static func ride(_ id: Int, _ field: String, _ value: String, startTick: Int, readings: Int = 5, firstDuration: Int = 1) -> [[UInt8]] {
        var members: [(String, String)] = [
            ("user_id", String(id)), ("name", "\"Mx Hostile \(id)\""), ("gender", "\"female\""),
            ("address", "\"1 Test lane,Testville,TE1 1ST\""), ("date_of_birth", "315532800000"),
            ("email_address", "\"hostile\(id)@example.com\""), ("height_cm", "170"), ("weight_kg", "70"),
            ("account_create_date", "1640995200000"), ("bike_serial", "\"SN-H\""), ("original_source", "\"direct\""),
        ]
        if let i = members.firstIndex(where: { $0.0 == field }) { members[i].1 = value }
        let payload = "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
        var tick = startTick
        var out = [message("--------- beginning of main"), message("--------- beginning of a new ride"),
                   message("\(time(tick)) mendoza v9: Getting user data from server..")]
        tick += 1
        out.append(message("\(time(tick)) mendoza v9: [SYSTEM] data = \(payload)"))
        for d in firstDuration..<(firstDuration + readings) {
            tick += 1
            out.append(message("\(time(tick)) mendoza v9: [INFO]: Ride - duration = \(d).0; resistance = 30"))
            tick += 1
            out.append(message("\(time(tick)) mendoza v9: [INFO]: Telemetry - hrt = \(90 + d); rpm = 60; power = 55.5"))
        }
        return out
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        var id = hostileIDs, tick = 0
        func add(_ field: String, _ value: String, _ reason: String, kept: Bool) {
            id += 1
            tick += 100
            cases.append(Case(reason: reason, lines: ride(id, field, value, startTick: tick), ridesKept: kept))
        }
        add("date_of_birth", "-9223372036854775808", "date_of_birth is not a date", kept: true)
        add("date_of_birth", "9223372036854775807", "date_of_birth is not a date", kept: true)
        add("account_create_date", "-9223372036854775808", "account_create_date is not a date", kept: true)
        add("name", "\"Nul\\u0000Name\"", "name contains the control character U+0000", kept: true)
        add("address", "\"1 Bell\\u0007 lane,Town,AB1 2CD\"", "address contains the control character U+0007", kept: true)
        add("email_address", "\"a@example.com\\r\\nBcc: b@example.com\"", "email_address contains the control character U+000D", kept: true)
        add("gender", "\"fe\\u001bmale\"", "gender contains the control character U+001B", kept: true)
        add("original_source", "\"x\\u0000\"", "original_source contains the control character U+0000", kept: true)
        add("height_cm", "3000000000", "height_cm is not a whole number from 50 to 280", kept: true)
        add("weight_kg", "9223372036854775808", "weight_kg is not a whole number from 20 to 400", kept: true)
        add("name", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), "name is not a string", kept: true)
        add("user_id", "9223372036854775808", "user_id 9223372036854775808 is not a whole number that fits 64 bits", kept: false)
        add("user_id", "18446744073709551616", "user_id 18446744073709551616 is not a whole number", kept: false)
        add("user_id", "1e400", "user_id 1e400 is not a whole number", kept: false)
        add("user_id", "-0", "user_id -0 is not a positive whole number", kept: false)
        add("bike_serial", "\"SN\\u0000\"", "bike_serial contains the control character U+0000", kept: false)
        // Lines that are not rides at all.
        cases.append(Case(reason: "not valid UTF-8", lines: [Array("{\"log\": \"2026-05-01 10:00:00.000000 mendoza v9: [SYSTEM] data = {\\\"user_id\\\":999999,\\\"name\\\":\\\"".utf8) + [0xC3, 0x28, 0xFF] + Array("\\\",\\\"bike_serial\\\":\\\"SN-U\\\"}\\n\"}".utf8)], ridesKept: true))
        cases.append(Case(reason: "unexpected nested JSON value", lines: [Array(("{\"key\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + ", \"log\": \"x\"}").utf8)], ridesKept: false))
        cases.append(Case(reason: "hrt is not a whole number", lines: [message("\(time(0)) mendoza v9: [INFO]: Telemetry - hrt = 9223372036854775808; rpm = 1; power = 1.0")], ridesKept: false))
        cases.append(Case(reason: "power is not a non-negative number", lines: [message("\(time(0)) mendoza v9: [INFO]: Telemetry - hrt = 90; rpm = 1; power = 1e400")], ridesKept: false))
        cases.append(Case(reason: "resistance is not a whole number", lines: [message("\(time(0)) mendoza v9: [INFO]: Ride - duration = 1.0; resistance = 18446744073709551616")], ridesKept: false))
        return cases
    }()

    /// The good stream, and the same with every hostile case between its rides (and a ride that
    /// starts at duration 0, which must keep its second 0).
    struct Streams {
        let dir: String
        let good: String
        let hostile: String
    }

    static func streams(_ name: String) async throws -> Streams {
        let dir = TestPaths.scratch("hostile-\(name)")
        let simulated = dir + "/simulated.jsonl"
        let sim = try await KafkaChild.run(["simulate", "--to", "file:" + simulated, "--speed", "0", "--rides", "6", "--bikes", "1",
                                            "--seed", "21", "--start", "2026-06-01T07:30:00",
                                            "--min-ride-seconds", "60", "--max-ride-seconds", "120"])
        #expect(sim.status == 0, "\(sim.stderr)")
        // One stream: the simulator's key member is dropped, so hostile lines sit inside it.
        let keyMember = try NSRegularExpression(pattern: ", \"key\": \"[^\"]*\"")
        let goodLines = try String(contentsOfFile: simulated, encoding: .utf8).split(separator: "\n").map { line -> [UInt8] in
            let s = String(line)
            return Array(keyMember.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "").utf8)
        } + ride(hostileIDs, "name", "\"Zero Start\"", startTick: 9_000, readings: 4, firstDuration: 0)
        var rideStarts = goodLines.indices.filter { String(decoding: goodLines[$0], as: UTF8.self).contains("beginning of main") }
        rideStarts.append(goodLines.count)
        var hostileLines: [[UInt8]] = []
        for (n, start) in rideStarts.dropLast().enumerated() {
            hostileLines += goodLines[start..<rideStarts[n + 1]]
            for c in cases.enumerated() where c.offset % max(1, rideStarts.count - 1) == n { hostileLines += c.element.lines }
        }
        let good = dir + "/good.jsonl", hostile = dir + "/hostile.jsonl"
        try Data(goodLines.joined(separator: [0x0A]) + [0x0A]).write(to: URL(fileURLWithPath: good))
        try Data(hostileLines.joined(separator: [0x0A]) + [0x0A]).write(to: URL(fileURLWithPath: hostile))
        return Streams(dir: dir, good: good, hostile: hostile)
    }

    // MARK: - Reading the warehouse

    enum Store {
        case sqlite(String)
        case postgres(String)

        var url: String {
            switch self {
            case .sqlite(let path): "sqlite:" + path
            case .postgres(let url): url
            }
        }

        func query(_ sql: String) async throws -> [String] {
            switch self {
            case .sqlite(let path): return try await KafkaWarehouseDump.query(path, sql)
            case .postgres(let url):
                let r = try await ChildProcess.run("/usr/bin/psql", [url, "-AtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                                   environment: ["PGOPTIONS": "-c search_path=production,staging"])
                guard r.status == 0 else { throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "psql: \(r.stderr)"]) }
                return r.stdout.split(separator: "\n").map(String.init)
            }
        }

        /// A time column as SQLite holds it (integer microseconds), and a flag as 0/1, so both
        /// warehouses print alike.
        func micros(_ column: String) -> String {
            if case .postgres = self { return "(extract(epoch FROM \(column)) * 1000000)::bigint" }
            return column
        }

        func flag(_ column: String) -> String {
            if case .postgres = self { return "\(column)::int" }
            return column
        }

        /// Rides and readings of the good riders, by ride identity.
        func goodRides() async throws -> [String] {
            let ride = "r.rider_id, r.bike_serial, \(micros("r.started_at"))"
            let filter = "r.rider_id < \(HostileInputTests.hostileIDs)"
            return try await query("""
                SELECT \(ride), \(micros("r.start_time")), \(micros("r.end_time")), \(flag("r.in_progress")), r.reading_count,
                       r.hr_sum, r.power_sum, r.rpm_sum, \(flag("r.alert_raised")) FROM rides r WHERE \(filter) ORDER BY 1, 2, 3
                """) + query("""
                SELECT \(ride), g.elapsed_s, \(micros("g.time")), g.heart_rate, g.rpm, g.power_w, g.resistance
                FROM readings g JOIN rides r ON r.id = g.ride_id WHERE \(filter) ORDER BY 1, 2, 3, 4
                """)
        }
    }

    func ingest(_ store: Store, file: String) async throws {
        let run = try await KafkaChild.run(["ingest", "--source", "file:" + file, "--database", store.url], limit: .seconds(300))
        #expect(run.status == 0, "ingest of \(file) into \(store.url): \(run.stderr)")
    }

    func check(_ store: Store, reference: [String]) async throws {
        #expect(try await store.goodRides() == reference, "the good rides are whole")
        // The ride that starts at duration 0 keeps its second 0.
        #expect(try await store.query("SELECT g.elapsed_s FROM readings g JOIN rides r ON r.id = g.ride_id WHERE r.rider_id = \(Self.hostileIDs) ORDER BY 1") == ["0", "1", "2", "3"])
        let reasons = try await store.query("SELECT reason FROM quarantine").joined(separator: "\n")
        for c in Self.cases {
            #expect(reasons.contains(c.reason), "quarantine gives the reason \(c.reason)")
        }
        #expect(!reasons.contains("not valid JSON\n") && !reasons.contains("payload is not valid JSON\n"))
        // Kept rides of hostile riders: present, with the refused field unknown.
        let kept = Self.cases.filter { $0.ridesKept && $0.lines.count > 1 }.count
        let hostileRides = try await store.query("SELECT count(*) FROM rides WHERE rider_id > \(Self.hostileIDs) AND reading_count > 0")
        #expect(hostileRides == [String(kept)])
        #expect(try await store.query("SELECT count(*) FROM riders WHERE date_of_birth IS NULL") == ["3"])  // two hostile, one unknown line
        #expect(try await store.query("SELECT count(*) FROM riders WHERE height_cm IS NULL") == ["2"])

        // The API answers for every rider, to a read key.
        let created = try await ChildProcess.run(TestPaths.delotonBinary, ["keys", "create", "--database", store.url,
                                                                          "--name", "hostile-reader-\(UUID().uuidString.prefix(8))", "--scope", "read"])
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(created.status == 0 && key.hasPrefix("dlt_"), "deloton keys create: \(created.stderr)")
        let port = 18_000 + Int.random(in: 0..<2_000)
        let serve = try KafkaChild(["serve", "--database", store.url, "--port", String(port)])
        defer { serve.signal(SIGTERM) }
        let base = "http://127.0.0.1:\(port)"
        var status = try await ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--retry", "30",
                                                                  "--retry-connrefused", "--retry-delay", "1", base + "/health"])
        #expect(status.stdout == "200", "serve did not start: \(serve.stderr)")
        let auth = ["-H", "Authorization: Bearer \(key)"]
        status = try await ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + auth + [base + "/riders?limit=1000"])
        #expect(status.stdout == "200")
        for id in try await store.query("SELECT id FROM riders") {
            status = try await ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + auth + [base + "/rider/" + id])
            #expect(status.stdout == "200", "GET /rider/\(id)")
        }
        _ = await serve.wait(limit: .seconds(15))
    }

    @Test("a file with hostile lines between good rides, into SQLite and PostgreSQL")
    func hostileFile() async throws {
        let s = try await Self.streams("file")
        for store in [Store.sqlite(s.dir + "/h.sqlite"), Store.postgres(try await PostgresServer.freshDatabase())] {
            let reference: Store
            switch store {
            case .sqlite: reference = .sqlite(s.dir + "/ref.sqlite")
            case .postgres: reference = .postgres(try await PostgresServer.freshDatabase())
            }
            try await ingest(reference, file: s.good)
            try await ingest(store, file: s.hostile)
            try await check(store, reference: try await reference.goodRides())
            // A replay of the same file changes nothing and still exits 0.
            try await ingest(store, file: s.hostile)
            try await check(store, reference: try await reference.goodRides())
        }
    }

    @Test("the same hostile stream through Kafka, into SQLite and PostgreSQL")
    func hostileKafka() async throws {
        let s = try await Self.streams("kafka")
        let brokers = try await KafkaBroker.shared()
        func produce(_ file: String) async throws -> String {
            let topic = KafkaBroker.uniqueName("hostile")
            // Into partition 0 of a new topic, so the file's order is the stream's; the lines go as
            // they are, invalid bytes and all.
            let sent = try await ChildProcess.run("/usr/bin/kcat", ["-P", "-b", brokers, "-t", topic, "-p", "0", "-l", file],
                                                  timeout: .seconds(120))
            #expect(sent.status == 0, "kcat: \(sent.stderr)")
            return topic
        }
        let goodTopic = try await produce(s.good), hostileTopic = try await produce(s.hostile)
        func ingest(_ store: Store, topic: String) async throws {
            let run = try await KafkaChild.run(["ingest", "--source", "kafka", "--kafka-brokers", brokers, "--kafka-topic", topic,
                                                "--kafka-group", KafkaBroker.uniqueName("g"), "--exit-when-idle", "3",
                                                "--database", store.url], limit: .seconds(300))
            #expect(run.status == 0, "kafka ingest of \(topic) into \(store.url): \(run.stderr)")
        }
        for (store, reference) in [(Store.sqlite(s.dir + "/k.sqlite"), Store.sqlite(s.dir + "/kref.sqlite")),
                                   (Store.postgres(try await PostgresServer.freshDatabase()), Store.postgres(try await PostgresServer.freshDatabase()))] {
            try await ingest(reference, topic: goodTopic)
            try await ingest(store, topic: hostileTopic)
            try await check(store, reference: try await reference.goodRides())
        }
    }
}

/// What a client can make ingest hold is bounded: a 2 GB line and a million distinct keys.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct BoundedIngestTests {
    /// Runs `deloton` under a small Python wrapper that prints the child's peak RSS in KiB.
    func peakRSS(_ arguments: [String]) async throws -> (status: Int32, kib: Int, stderr: String) {
        let wrapper = """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            sys.stderr.buffer.write(r.stderr[-2000:])
            print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", wrapper, TestPaths.delotonBinary] + arguments,
                                             environment: ["SWIFT_BACKTRACE": "enable=no"], timeout: .seconds(300))
        let fields = run.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return (Int32(fields.first ?? -1), fields.last ?? -1, run.stderr)
    }

    @Test("a 2 GB line is read in bounded memory and quarantined as its head, length and SHA-256")
    func twoGigabyteLine() async throws {
        let dir = TestPaths.scratch("bounded-line")
        let file = dir + "/long.jsonl", db = dir + "/w.sqlite"
        let size = 2 * 1024 * 1024 * 1024
        // A good line, the long line (2,048 MiB of 'a'), and another good line after it.
        FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        try handle.write(contentsOf: Data("{\"log\": \"--------- beginning of main\\n\"}\n".utf8))
        let mebibyte = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<(size >> 20) { try handle.write(contentsOf: mebibyte) }
        try handle.write(contentsOf: Data("\n{\"log\": \"--------- beginning of a new ride\\n\"}\n".utf8))
        try handle.close()
        let run = try await peakRSS(["ingest", "--source", "file:" + file, "--database", "sqlite:" + db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.kib < 100 * 1024, "peak RSS \(run.kib) KiB for a 2 GB line")
        let rows = try await KafkaWarehouseDump.query(db, "SELECT position, length(raw), reason FROM quarantine WHERE position = 2")
        #expect(rows.count == 1)
        #expect(rows.first?.hasPrefix("2|4096|line of \(size) bytes is longer than the limit of 1048576 bytes") == true, "\(rows)")
        let sha = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", """
            import hashlib; h = hashlib.sha256(); m = b"a" * (1 << 20)
            for _ in range(\(size >> 20)): h.update(m)
            print(h.hexdigest())
            """], timeout: .seconds(120))
        #expect(rows.first?.contains(String(sha.stdout.prefix(64))) == true)
    }

    @Test("a million distinct message keys stay under 150 MB")
    func millionKeys() async throws {
        let dir = TestPaths.scratch("bounded-keys")
        let file = dir + "/keys.jsonl", db = dir + "/w.sqlite"
        var text = ""
        text.reserveCapacity(100 * 1_000_000)
        for k in 0..<1_000_000 {
            text += "{\"log\": \"2026-05-01 10:00:00.000000 mendoza v9: Getting user data from server..\\n\", \"key\": \"bike-\(k)\"}\n"
        }
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        text = ""
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try await peakRSS(["ingest", "--source", "file:" + file, "--database", "sqlite:" + db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.kib < 150 * 1024, "peak RSS \(run.kib) KiB for a million keys")
    }
}
