import DelotonCore
import DelotonStore
import Foundation

/// `GET /daily?date=` of a fleet-sized day (issue #19): a day of `rides` rides on PostgreSQL,
/// `serve` in a process of its own, and open-loop load over the day's pages, before and after
/// the day is finished (validated by `ETag`, kept in the server's cache), beside the
/// unpaginated answer. A function of its own so that `deloton bench scale` can run it too.
public enum DailyBench {
    public struct Options: Sendable {
        /// The day filled, long over in every zone.
        public var day = CivilDate(year: 2022, month: 7, day: 14)
        public var rides = 10_000
        public var readingsPerRide = 60
        public var limit = 100
        /// Requests a second of the paged runs.
        public var rate: Double = 100
        /// Requests a second of the unpaginated runs: each answer is the whole day (megabytes).
        public var wholeDayRate: Double = 5
        public var seconds: Double = 20
        public var connections = 32

        public init() {}
    }

    /// One open-loop run.
    public struct Run: Sendable {
        public var name: String
        public var result: OpenLoopLoad.Result
    }

    /// Fills the day if it holds fewer than `options.rides` rides, starts `serve` on a free port
    /// (`serve(port)` gives the process to run, with its flags: only the command line names
    /// them), and returns each run as it was measured; `say` hears each as it ends.
    public static func run(_ warehouse: any Warehouse, options: Options, serve: (Int) -> Process,
                           say: (String) -> Void) async throws -> [Run] {
        guard let zone = Zone(identifier: "Europe/London") else {
            throw APIBench.BenchError(description: "the zone Europe/London is not installed (tzdata)")
        }
        let interval = zone.interval(of: options.day)
        let queries = RideQueries(warehouse.sql)
        if try await queries.dayVersion(of: interval).rides < Int64(options.rides) {
            let started = ContinuousClock.now
            try await fill(warehouse, options: options, zone: zone)
            say("filled \(options.rides) rides of \(options.readingsPerRide) readings on \(options.day) in \(ContinuousClock.now - started)")
        }
        // Each run leaves its ride that kept the day unfinished; the next run needs a new one.
        let run = max(0, try await queries.dayVersion(of: interval).rides - Int64(options.rides))
        let port = try OpenLoopLoad.freePort()
        let server = serve(port)
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        try await waitUntilListening(port, server)

        let whole = "/daily?date=\(options.day)"
        let pages = try await pagePaths(queries, interval: interval, day: options.day, limits: [options.limit])
        // Every request a page no request asked before: a page of 100 + k for the k-th pass.
        let fresh = try await pagePaths(queries, interval: interval, day: options.day,
                                        limits: (0..<Int(options.seconds * options.rate) / max(1, pages.count) + 1).map { options.limit + $0 })
        var runs: [Run] = []
        func load(_ name: String, rate: Double, _ path: @escaping @Sendable (Int) -> String) async {
            let (seconds, connections) = (options.seconds, options.connections)
            let result = await withCheckedContinuation { c in
                Thread.detachNewThread {
                    c.resume(returning: OpenLoopLoad.run(port: port, rate: rate, seconds: seconds, connections: connections, path: path))
                }
            }
            runs.append(Run(name: name, result: result))
            say("  \(name): \(result.summary)")
        }

        // While one ride of the day is in progress the day is not finished: every answer is read
        // from the warehouse, as every answer was before pages and validators.
        try await openRide(warehouse, options: options, zone: zone, run: run, ended: false)
        let version = try await queries.dayVersion(of: interval)
        guard version.open == 1 else { throw APIBench.BenchError(description: "the day should have one ride in progress, not \(version.open)") }
        say("\(options.day), \(version.rides) rides, 1 in progress (not finished: no ETag, no cache):")
        await load("unpaginated, \(options.wholeDayRate)/s", rate: options.wholeDayRate) { _ in whole }
        await load("pages of \(options.limit), \(options.rate)/s", rate: options.rate) { pages[$0 % pages.count] }
        try await openRide(warehouse, options: options, zone: zone, run: run, ended: true)
        say("\(options.day), \(version.rides) rides, finished (ETag, cache):")
        // Each page asked once first, so the run measures the steady state a finished day reaches.
        await withCheckedContinuation { c in
            Thread.detachNewThread {
                var connection = OpenLoopLoad.Connection(port: port)
                for path in pages { _ = connection.get(path) }
                connection.close()
                c.resume()
            }
        }
        await load("pages of \(options.limit), \(options.rate)/s, each page over and over", rate: options.rate) { pages[$0 % pages.count] }
        await load("pages of \(options.limit)+, \(options.rate)/s, every page asked once (cache misses)", rate: options.rate) {
            fresh[$0 % fresh.count]
        }
        await load("unpaginated, \(options.wholeDayRate)/s", rate: options.wholeDayRate) { _ in whole }
        return runs
    }

    /// Rides start every `86,000 / rides` seconds from 00:05 local, each on its own stream, so
    /// the day is full however many there are; riders and bikes repeat as in a fleet.
    static func fill(_ warehouse: any Warehouse, options: Options, zone: Zone) async throws {
        var batches = BenchBatches(warehouse)
        let spacing = Int64(86_000_000_000) / Int64(max(1, options.rides))
        for n in 0..<options.rides {
            let first = 300_000_000 + Int64(n) * spacing
            var assembler = RideAssembler(stream: "bench-daily-\(n)", zone: zone)
            feed(&assembler, rider: n % 3_000 + 1, bike: "SN\(n % 1_000)", day: options.day, first: first,
                 seconds: options.readingsPerRide, seed: n)
            assembler.endRide()
            try await batches.take(from: &assembler)
        }
        try await batches.flush()
    }

    /// The ride that keeps the day unfinished (at 23:55, of rider 3001 on a bike of the run's own), open or ended.
    static func openRide(_ warehouse: any Warehouse, options: Options, zone: Zone, run: Int64, ended: Bool) async throws {
        var assembler = RideAssembler(stream: "bench-daily-open-\(run)", zone: zone)
        let first = Int64(23 * 3600 + 55 * 60) * 1_000_000
        feed(&assembler, rider: 3_001, bike: "SN-open-\(run)", day: options.day, first: first, seconds: ended ? 60 : 30, seed: 0)
        if ended { assembler.endRide() }
        var batch = IngestBatch()
        assembler.drain(into: &batch)
        _ = try await warehouse.write(batch)
    }

    private static func feed(_ assembler: inout RideAssembler, rider: Int, bike: String, day: CivilDate, first: Int64,
                             seconds: Int, seed: Int) {
        let profile = RiderProfile(
            userID: rider, name: "Rider \(rider) Bench", gender: rider % 2 == 0 ? "female" : "male",
            address: "\(rider) High Street,London,EC1A 1AA", dateOfBirthMs: Int64(-10 + rider % 50) * 31_557_600_000,
            email: "r\(rider)@example.com", heightCm: 170, weightKg: 70, accountCreateDateMs: 1_640_995_200_000,
            bikeSerial: bike, originalSource: "bench")
        func at(_ s: Int) -> LocalDateTime {
            let micros = first + Int64(s) * 1_000_000
            return LocalDateTime(date: day.adding(days: Int(micros / 86_400_000_000)), microsecondOfDay: micros % 86_400_000_000)
        }
        _ = assembler.consume(.system(at(0), profile))
        for s in 1...max(1, seconds) {
            _ = assembler.consume(.ride(at(s), duration: s, resistance: 30 + s % 20))
            _ = assembler.consume(.telemetry(at(s), heartRate: 90 + (s * 7 + seed) % 70, rpm: 50 + s % 30, power: Double(s % 300) * 0.37))
        }
    }

    /// The path of every page of the day at each limit, as the `next` links would give them.
    static func pagePaths(_ queries: RideQueries, interval: Range<Instant>, day: CivilDate, limits: [Int]) async throws -> [String] {
        var keys: [RideCursor] = []
        var after: RideCursor?
        repeat {
            let page = try await queries.rides(RideFilter(since: interval.lowerBound, until: interval.upperBound), after: after, limit: 1000)
            keys += page.items.map { RideCursor(startTime: $0.startTime, id: $0.id) }
            after = page.next
        } while after != nil
        var paths: [String] = []
        for limit in limits {
            paths.append("/daily?date=\(day)&limit=\(limit)")
            for end in stride(from: limit - 1, to: keys.count - 1, by: limit) {
                paths.append("/daily?cursor=\(keys[end].startTime.microseconds)_\(keys[end].id)&date=\(day)&limit=\(limit)")
            }
        }
        return paths
    }

    static func waitUntilListening(_ port: Int, _ server: Process) async throws {
        for _ in 0..<600 {
            guard server.isRunning else {
                throw APIBench.BenchError(description: "serve exited (status \(server.terminationStatus)) before it listened")
            }
            let fd = OpenLoopLoad.Connection.connect(port)
            if fd >= 0 {
                close(fd)
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw APIBench.BenchError(description: "serve did not start listening on port \(port) within 30 s")
    }
}
