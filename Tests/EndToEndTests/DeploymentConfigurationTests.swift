import DelotonTestSupport
import Foundation
import Testing

/// The deployment's own configuration run here: every deloton service of deploy/compose.yaml,
/// and every ECS task definition of deploy/terraform, started with its own command and
/// environment. Only what cannot exist on this machine is rewritten (Tests/static/deploy_roles.py):
/// Kafka, PostgreSQL and SMTP become the throwaway servers on 127.0.0.1, ports free ones,
/// files a scratch folder. No Docker engine is needed, and none is used.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct DeploymentConfigurationTests {
    struct Role: Decodable {
        let name: String
        let command: [String]
        let environment: [String: String]
        /// once (runs to its end), producer, worker (liveness file), server (HTTP).
        let kind: String
    }

    struct Servers {
        let brokers: String, sink: SMTPSink, topic: String, group: String, dir: String
        var database: String
        /// A streaming replica of `database`, for a deployment that has one.
        var readDatabase: String?
    }

    func servers(_ name: String) async throws -> Servers {
        Servers(brokers: try await KafkaBroker.shared(), sink: try await SMTPSink(), topic: KafkaBroker.uniqueName("deploy-\(name)"),
                group: KafkaBroker.uniqueName("g-deploy-\(name)"), dir: TestPaths.scratch("deploy-\(name)"),
                database: try await PostgresServer.freshDatabase())
    }

    /// The roles the file starts, rewritten for `servers`.
    func roles(_ file: String, _ s: Servers, extra: [String: Any]) async throws -> [String: Role] {
        var rewrites: [String: Any] = ["brokers": s.brokers, "database_url": s.database, "smtp_url": s.sink.url,
                                       "topic": s.topic, "group": s.group, "dir": s.dir]
        if let replica = s.readDatabase { rewrites["read_database_url"] = replica }
        rewrites.merge(extra) { _, new in new }
        let input = try JSONSerialization.data(withJSONObject: rewrites)
        let r = try await ChildProcess.run("python3", [TestPaths.repoRoot + "/Tests/static/deploy_roles.py", file], input: input)
        #expect(r.status == 0, "\(r.stderr)")
        let list = try JSONDecoder().decode([Role].self, from: r.output)
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }

    /// Starts `role` in a folder of its own, as its container's working directory would be.
    func start(_ role: Role, _ s: Servers, arguments: [String]? = nil) throws -> KafkaChild {
        let folder = s.dir + "/" + role.name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try KafkaChild(["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", folder, TestPaths.delotonBinary]
                                  + (arguments ?? role.command),
                              environment: role.environment, executable: "/bin/sh")
    }

    func runToEnd(_ role: Role, _ s: Servers, arguments: [String]? = nil) async throws -> KafkaChild {
        let child = try start(role, s, arguments: arguments)
        let status = await child.wait(limit: .seconds(120))
        #expect(status == 0, "\(role.name) exited \(status): \(child.stderr)")
        return child
    }

    /// Deterministic traffic with alerts (seed 15 raises some), keyed by bike as `simulate` writes.
    func traffic(_ role: Role, _ s: Servers) async throws {
        _ = try await runToEnd(role, s, arguments: ["simulate", "--to", "kafka", "--speed", "0", "--partitions", "3",
                                                     "--rides", "8", "--bikes", "3", "--seed", "15"])
    }

    func rides(_ s: Servers) async throws -> Int {
        let r = try await ChildProcess.run("/usr/bin/psql", [s.database, "-tAc", "SELECT count(*) FROM production.rides"])
        return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func mails(_ s: Servers, containing text: String) -> Int {
        s.sink.messages().filter { ((try? String(contentsOf: $0, encoding: .utf8)) ?? "").contains(text) }.count
    }

    /// deploy/healthcheck.sh (the image's HEALTHCHECK) with the role's own environment.
    func healthy(_ role: Role) async throws -> Bool {
        let r = try await ChildProcess.run("/bin/bash", [TestPaths.repoRoot + "/deploy/healthcheck.sh"], environment: role.environment)
        return r.status == 0
    }

    func get(_ url: String, key: String? = nil) async throws -> (status: Int, body: String) {
        let auth = key.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        let r = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "10", "-w", "\n%{http_code}"] + auth + [url])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// Long-running roles keep running, pass their health check, and stop cleanly on SIGTERM.
    func checkRunning(_ running: [(Role, KafkaChild)]) async throws {
        for (role, child) in running {
            #expect(child.isRunning, "\(role.name) stopped: \(child.stderr)")
            if role.kind == "worker" || role.kind == "server" {
                #expect(try await eventually(.seconds(30)) { try await healthy(role) }, "\(role.name) is not healthy: \(child.stderr)")
            }
        }
    }

    func stop(_ running: [(Role, KafkaChild)]) async {
        for (_, child) in running { child.signal(SIGTERM) }
        for (role, child) in running where role.kind != "producer" {
            #expect(await child.wait(limit: .seconds(60)) == 0, "\(role.name): \(child.stderr)")
        }
        for (_, child) in running { child.signal(SIGKILL) }
    }

    func today() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "Europe/London")
        return f.string(from: Date())
    }

    @Test("deploy/compose.yaml: every deloton service runs with its own command and settings")
    func composeServicesRun() async throws {
        let s = try await servers("compose")
        defer { s.sink.shutdown() }
        // The compose file's own knob for the simulator's pace: fast enough that rides end in seconds.
        let roles = try await roles("compose", s, extra: ["compose_env": ["DELOTON_SIMULATE_SPEED": "50"]])
        #expect(Set(roles.keys) == ["migrate", "simulate", "ingest", "serve", "schedule"])
        let migrate = try #require(roles["migrate"]), simulate = try #require(roles["simulate"])
        let ingest = try #require(roles["ingest"]), serve = try #require(roles["serve"])
        let schedule = try #require(roles["schedule"])

        _ = try await runToEnd(migrate, s)
        // compose's `topics` service creates the topic with 3 partitions; simulate does the same here.
        try await traffic(simulate, s)
        var running: [(Role, KafkaChild)] = []
        defer { for (_, child) in running { child.signal(SIGKILL) } }
        for role in [simulate, ingest, serve, schedule] { running.append((role, try start(role, s))) }

        let ridesReached = try await eventually(.seconds(90)) { try await rides(s) >= 8 }
        #expect(ridesReached, "ingest: \(running[1].1.stderr)")
        #expect(try await eventually(.seconds(90)) { mails(s, containing: "Abnormal heart rate") > 0 }, "no alert mail arrived")
        try await checkRunning(running)

        let port = try #require(serve.environment["DELOTON_PORT"])
        #expect(try await get("http://127.0.0.1:\(port)/ready").status == 200)
        // Reads need a key (README, Access): made with serve's own settings, as an operator would.
        let keys = try await runToEnd(serve, s, arguments: ["keys", "create", "--name", "deploy-test", "--scope", "read"])
        let key = keys.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await get("http://127.0.0.1:\(port)/daily?date=\(today())").status == 401)
        let daily = try await get("http://127.0.0.1:\(port)/daily?date=\(today())", key: key)
        #expect(daily.status == 200 && daily.body.contains("\"bike_serial\""), "\(daily.body)")
        for role in [ingest, serve, schedule] {
            let metrics = try #require(role.environment["DELOTON_METRICS_PORT"])
            #expect(try await get("http://127.0.0.1:\(metrics)/metrics").body.contains("deloton_"), "\(role.name)")
        }
        // Every line ingest wrote is a JSON object (compose sets DELOTON_LOG_FORMAT=json).
        for line in running[1].1.stderr.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "\(line)")
        }

        // The report on demand, with the schedule service's settings.
        let day = today()
        let report = try await runToEnd(schedule, s, arguments: ["report", "--send", "--date", day])
        #expect(report.stdout.contains("sent to 1 recipient(s)"), "\(report.stdout)")
        #expect(try await eventually(.seconds(10)) { mails(s, containing: "X-Deloton-Report-Date: \(day)") == 1 })
        await stop(running)
    }

    /// With `db_read_replica`, the primary and its replica are a throwaway server and a hot standby
    /// of it, as RDS's would be.
    @Test("deploy/terraform ECS task definitions: migrate, ingest, serve and the report task run with their own settings",
          arguments: [false, true])
    func ecsTaskDefinitionsRun(readReplica: Bool) async throws {
        var s = try await servers("ecs")
        defer { s.sink.shutdown() }
        var databases: [PostgresServer.Instance] = []
        defer { for server in databases { server.destroy() } }
        if readReplica {
            let primary = try await PostgresServer.privateServer()
            databases = [primary, try await primary.replica()]
            s.database = primary.url
            s.readDatabase = databases[1].url
        }
        // What a tfvars file sets: the brokers (rewritten), no SASL on the throwaway broker, keyed
        // streams (as simulate writes), a recipient for the report, and whether there is a replica.
        let variables: [String: Any] = ["kafka_brokers": s.brokers, "kafka_security_protocol": "PLAINTEXT",
                                        "kafka_stream_by": "key", "report_to": ["ops@example.com"], "db_read_replica": readReplica]
        let roles = try await roles("ecs", s, extra: ["variables": variables, "ingest_instance": "1"])
        #expect(Set(roles.keys) == ["migrate", "ingest", "serve", "report"])
        let migrate = try #require(roles["migrate"]), ingest = try #require(roles["ingest"])
        let serve = try #require(roles["serve"]), report = try #require(roles["report"])
        #expect(ingest.environment["DELOTON_INSTANCE"]?.hasSuffix("-ingest-1") == true)
        // The roles that read a replica when there is one; writers never do.
        for role in [migrate, ingest, serve, report] {
            let reads = readReplica && [serve.name, report.name].contains(role.name)
            #expect(role.environment["DELOTON_READ_DATABASE_URL"] == (reads ? s.readDatabase : nil), "\(role.name)")
        }

        _ = try await runToEnd(migrate, s)
        try await traffic(ingest, s)
        var running: [(Role, KafkaChild)] = []
        defer { for (_, child) in running { child.signal(SIGKILL) } }
        for role in [ingest, serve] { running.append((role, try start(role, s))) }
        let ridesReached = try await eventually(.seconds(90)) { try await rides(s) >= 8 }
        #expect(ridesReached, "ingest: \(running[0].1.stderr)")
        #expect(try await eventually(.seconds(90)) { mails(s, containing: "Abnormal heart rate") > 0 }, "no alert mail arrived")
        try await checkRunning(running)
        let port = try #require(serve.environment["DELOTON_PORT"])
        #expect(try await get("http://127.0.0.1:\(port)/ready").status == 200)
        // serve as the task definition runs it: reads need a credential, and nothing that signs
        // in goes to its output (CloudWatch there).
        for path in ["/riders", "/daily?date=\(today())", "/api/live", "/events", "/metrics"] {
            let answer = try await get("http://127.0.0.1:\(port)\(path)")
            #expect(answer.status == 401, "\(path) answered \(answer.status) without a credential")
            #expect(!answer.body.contains("@example.com"), "\(path)")
        }
        let keys = try await runToEnd(serve, s, arguments: ["keys", "create", "--name", "ecs-test", "--scope", "read"])
        let key = keys.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Read from the replica when there is one, which may lag the primary a moment.
        #expect(try await eventually(.seconds(30)) {
            let riders = try await get("http://127.0.0.1:\(port)/riders", key: key)
            return riders.status == 200 && riders.body.contains("\"email\"")
        })
        let serveOutput = try #require(running.last?.1).stdout
        #expect(!serveOutput.contains("signin?token="), "\(serveOutput)")
        // A scraper reads serve's metrics port without a key (nothing personal there).
        let metricsPort = try #require(serve.environment["DELOTON_METRICS_PORT"])
        #expect(try await get("http://127.0.0.1:\(metricsPort)/metrics").body.contains("deloton_"))

        // EventBridge Scheduler starts the report task at least once: twice here, one mail.
        let first = try await runToEnd(report, s)
        #expect(first.stdout.contains("sent to 1 recipient(s)"), "\(first.stdout)")
        let second = try await runToEnd(report, s)
        #expect(second.stdout.contains("already sent"), "\(second.stdout)")
        #expect(try await eventually(.seconds(10)) { mails(s, containing: "X-Deloton-Report-Date:") == 1 })
        await stop(running)
    }
}
