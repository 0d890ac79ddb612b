import ArgumentParser
import DelotonCore
import DelotonIngest
import DelotonKafka
import DelotonTelemetry
import Foundation
import Logging

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce realistic rides in wire format.",
        discussion: """
            --to file:PATH writes a JSONL capture (each line tagged with its bike's "key"); --to kafka produces to the topic. \
            With --rides N the rides are made as fast as possible and all end now, none in the future (or --start \
            places the first); a terminal shows rides done, rate and time left. Without --rides the stream is endless \
            and real time from now; --speed X sets the pace either way.
            """)

    @Option(help: .setting(.simulateTo)) var to: String
    @OptionGroup(title: "Simulator") var simulation: SimulatorOptions
    @Option(help: .setting(.streamTimezone)) var streamTimezone: String?
    @Option(help: .setting(.simulateStart)) var start: String?
    @OptionGroup(title: "Kafka (with \(flag: .simulateTo) kafka)") var kafka: KafkaConnectionOptions
    @OptionGroup var console: ConsoleOptions
    @Option(help: .setting(.partitions)) var partitions: Int = 1

    func validate() throws {
        guard partitions >= 1 else { throw ValidationError("\(flag: .partitions) must be at least 1") }
    }

    func run() async throws {
        // Every setting is parsed and checked once, before anything is built: mistakes exit 2.
        let zone = try CommonOptions.zone(.streamTimezone, flag: streamTimezone)
        let explicitStart = try start.map(Self.parseStart)
        let toKafka = to == "kafka"
        guard toKafka || (to.hasPrefix("file:") && to.count > 5) else {
            throw CLIFailure.usage("\(flag: .simulateTo) \(to) is not a destination: use file:PATH or kafka")
        }
        let speed = simulation.pace(live: false)
        if simulation.rides == nil, speed == 0 {
            throw CLIFailure.usage("an endless simulation as fast as possible would fill the disk: give \(flag: .rides) N or a \(flag: .speed)")
        }
        let kafkaConfig = toKafka ? try kafka.config(clientID: "deloton-simulate") : nil
        let now = SimulatorSource.now(in: zone)
        // SIGTERM or SIGINT stops the stream: what was made so far is written (or delivered), exit 0.
        let lifecycle = Lifecycle(logger: try console.logger("deloton.simulate"))
        if let kafkaConfig {
            let produce = self
            try await lifecycle.run("simulator") {
                try await Shutdown.flag { shutdown in
                    try await produce.produceToKafka(sim: produce.stream(now: now, start: explicitStart, speed: speed), config: kafkaConfig,
                                                     speed: speed, shutdown: shutdown)
                }
            }
            return
        }
        let path = String(to.dropFirst(5))
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CLIFailure.usage("cannot write \(path): check that its folder exists and is writable")
        }
        defer { try? handle.close() }
        let total = simulation.rides, stream = self.stream(now: now, start: explicitStart, speed: speed)
        let (lines, rides) = try await lifecycle.run("simulator") {
            try await Shutdown.flag { shutdown in
                var sim = stream
                var pace = Pace(speed: speed, total: total)
                var buffer = [UInt8]()
                buffer.reserveCapacity(1 << 20)
                var lines = 0
                while !shutdown.isRequested, let line = sim.next() {
                    if let due = pace.due(line, finished: sim.ridesFinished) {
                        try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true)
                        try await ContinuousClock().sleep(until: due)
                    }
                    buffer.append(contentsOf: WireFormat.message(line.text, key: line.bike).utf8)
                    buffer.append(0x0A)
                    lines += 1
                    if buffer.count > 1 << 20 { try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
                }
                try handle.write(contentsOf: buffer)
                Console.endStatus()
                return (lines, sim.ridesStarted)
            }
        }
        Console.out("wrote \(Console.count(lines)) lines of \(Console.count(rides)) rides to \(path)")
    }

    /// One message per line, key = bike serial, value exactly as the real producer writes it.
    private func produceToKafka(sim stream: StreamSimulator, config: KafkaConfig, speed: Double, shutdown: Shutdown) async throws {
        LogSetup.bootstrap(level: Logger.Level(rawValue: Env.value(.logLevel)?.lowercased() ?? "") ?? .warning,
                           format: LogFormat(rawValue: Env.value(.logFormat)?.lowercased() ?? "") ?? .text)
        let logger = Logger(label: "deloton.simulate")
        let topic = kafka.topic
        do {
            switch try await KafkaSink.prepareTopic(topic, partitions: partitions, config: config, logger: logger) {
            case .created(let count):
                Console.out("created Kafka topic \(topic) with \(count) partition(s) (\(flag: .partitions))")
            case .existing(let count):
                let note = count == partitions ? "" : "; \(flag: .partitions) \(partitions) applies only to a topic simulate creates"
                Console.out("Kafka topic \(topic) exists with \(count) partition(s)\(note)")
            }
            let sink = try KafkaSink(config: config, topic: topic, logger: logger)
            var sim = stream
            var pace = Pace(speed: speed, total: simulation.rides)
            let clock = ContinuousClock(), began = clock.now
            var lines = 0
            while !shutdown.isRequested, let line = sim.next() {
                if let due = pace.due(line, finished: sim.ridesFinished) { try await clock.sleep(until: due) }
                try await sink.send(line.text, bike: line.bike)
                lines += 1
            }
            Console.endStatus()
            let stats = try await sink.finish()
            let seconds = (clock.now - began).inSeconds
            Console.out("produced \(Console.count(lines)) lines of \(Console.count(sim.ridesStarted)) rides from "
                        + "\(Console.count(simulation.bikes)) bike(s) to Kafka topic \(topic) at \(config.brokersString) in "
                        + String(format: "%.1f s", seconds) + " (delivered \(Console.count(stats.delivered)), failed \(Console.count(stats.failed)))")
            if stats.failed > 0 {
                throw CLIFailure.runtime("\(stats.failed) message(s) were not delivered to Kafka"
                                             + (stats.lastError.map { " (\($0))" } ?? "") + ": check \(variable: .kafkaBrokers)")
            }
        } catch let error as KafkaError {
            throw error.cliFailure
        }
    }

    /// From `--start` when given; else `--rides` at any pace but real time end now (SimulatorOptions).
    private func stream(now: LocalDateTime, start: LocalDateTime?, speed: Double) -> StreamSimulator {
        guard let start else { return simulation.simulator(now: now, speed: speed) }
        return StreamSimulator(seed: simulation.seed ?? UInt64.random(in: 1...UInt64.max), bikes: simulation.bikes, rides: simulation.rides,
                               start: start, minSeconds: simulation.minRideSeconds, maxSeconds: simulation.maxRideSeconds)
    }

    static func parseStart(_ s: String) throws -> LocalDateTime {
        let parts = s.split(separator: "T")
        guard parts.count == 2, let date = CivilDate(iso: parts[0]) else {
            throw CLIFailure.usage("\(flag: .simulateStart) \(s) is not a local time YYYY-MM-DDTHH:MM:SS")
        }
        let hms = parts[1].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, hms[0] < 24, hms[1] < 60, hms[2] < 60 else {
            throw CLIFailure.usage("\(flag: .simulateStart) \(s) is not a local time YYYY-MM-DDTHH:MM:SS")
        }
        return LocalDateTime(year: date.year, month: date.month, day: date.day, hour: hms[0], minute: hms[1], second: hms[2])
    }
}

/// When each line is due at the chosen speed (counted from the first line), and the progress
/// line on a terminal: rides done of the total, rate, and the time left.
struct Pace {
    let speed: Double
    let total: Int?
    private let clock = ContinuousClock()
    private let began = ContinuousClock.now
    private var first: Int64?
    private var lastDraw = ContinuousClock.now

    init(speed: Double, total: Int?) {
        self.speed = speed
        self.total = total
    }

    /// The instant to wait for before `line`, or nil to write it now.
    mutating func due(_ line: StreamSimulator.Line, finished: Int) -> ContinuousClock.Instant? {
        let now = clock.now
        if Console.isTerminal, now - lastDraw >= .milliseconds(250) {
            lastDraw = now
            Console.status(Self.progress(finished: finished, total: total, seconds: (now - began).inSeconds))
        }
        guard speed > 0 else { return nil }
        let t0 = first ?? line.time.naiveMicroseconds
        first = t0
        let due = began + .microseconds(Double(line.time.naiveMicroseconds - t0) / speed)
        return due > now ? due : nil
    }

    static func progress(finished: Int, total: Int?, seconds: Double) -> String {
        let rate = Double(finished) / max(0.001, seconds)
        guard let total, total > 0 else {
            return "\(Console.count(finished)) rides  " + String(format: "%.1f rides/s", rate)
        }
        let left = rate > 0 ? String(format: "%.0f s left", Double(total - finished) / rate) : "time left unknown"
        return "\(Console.bar(fraction: Double(finished) / Double(total))) \(Console.count(finished)) / \(Console.count(total)) rides  "
            + String(format: "%.1f rides/s", rate) + "  " + left
    }
}
