import DelotonTestSupport
import Foundation
import Testing

/// `DELOTON_INSTANCE` as the deployment sets it (compose `ingest-1`, ECS `NAME-ingest-N`): the
/// real binary against a real broker.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct StaticMembershipTests {
    func ingest(brokers: String, topic: String, group: String, db: String, idle: Double) -> [String] {
        ["ingest", "--source", "kafka", "--stream-by", "key", "--kafka-brokers", brokers, "--kafka-topic", topic,
         "--kafka-group", group, "--exit-when-idle", String(idle), "--database", "sqlite:" + db]
    }

    @Test("DELOTON_INSTANCE ingest-1 is the group.instance.id; killed and restarted, it rejoins well within the session timeout")
    func namedInstanceRejoinsAtOnce() async throws {
        let brokers = try await KafkaBroker.shared()
        let topic = KafkaBroker.uniqueName("static"), group = KafkaBroker.uniqueName("g-static")
        let dir = TestPaths.scratch("static-member"), db = dir + "/w.sqlite"
        let produced = try await KafkaChild.run(["simulate", "--to", "kafka", "--speed", "0", "--partitions", "2",
                                                 "--kafka-brokers", brokers, "--kafka-topic", topic, "--rides", "6",
                                                 "--bikes", "2", "--seed", "5", "--min-ride-seconds", "30",
                                                 "--max-ride-seconds", "60"])
        #expect(produced.status == 0, "\(produced.stderr)")
        let env = ["DELOTON_INSTANCE": "ingest-1"]

        let first = try KafkaChild(ingest(brokers: brokers, topic: topic, group: group, db: db, idle: 60), environment: env)
        #expect(await first.waitForLog("now read here", limit: .seconds(30)), "\(first.stderr)")
        #expect(first.stderr.contains("(instance ingest-1,"), "\(first.stderr)")
        #expect(await first.killHard() == 128 + SIGKILL)

        // The broker still counts the killed member for its whole session (45 s); only the same
        // static id replaces it without waiting for that.
        let started = ContinuousClock.now
        let second = try KafkaChild(ingest(brokers: brokers, topic: topic, group: group, db: db, idle: 3), environment: env)
        #expect(await second.waitForLog("now read here", limit: .seconds(30)), "\(second.stderr)")
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(await second.wait(limit: .seconds(90)) == 0, "\(second.stderr)")
        // How many rides the first finished before it was killed depends on the machine's load;
        // together they finished all six.
        #expect(try await KafkaWarehouseDump.query(db, "SELECT count(*) FROM rides WHERE in_progress = 0") == ["6"], "\(second.stdout)")
    }

    @Test("--instance takes any id Kafka accepts, as given; what Kafka would refuse is exit 2 before any work")
    func instanceValues() async throws {
        let dir = TestPaths.scratch("static-usage")
        let args = ["ingest", "--source", "kafka", "--kafka-brokers", "127.0.0.1:1", "--database", "sqlite:\(dir)/w.sqlite"]
        let spaced = try await KafkaChild.run(args + ["--instance", "ingest 1"])
        #expect(spaced.status == 2)
        #expect(spaced.stderr.contains("--instance ingest 1 is not a Kafka group.instance.id"), "\(spaced.stderr)")
        let slash = try await KafkaChild.run(args, environment: ["DELOTON_INSTANCE": "a/b"])
        #expect(slash.status == 2 && slash.stderr.contains("DELOTON_INSTANCE"), "\(slash.stderr)")
        let dots = try await KafkaChild.run(args + ["--instance", ".."])
        #expect(dots.status == 2, "\(dots.stderr)")
    }

    @Test("the help says what DELOTON_INSTANCE takes")
    func helpExplainsInstance() async throws {
        let help = try await KafkaChild.run(["help", "ingest"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("DELOTON_INSTANCE"))
        #expect(help.stdout.contains("group.instance.id"))
    }
}
