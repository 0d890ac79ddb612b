import DelotonCore

/// The recent window's charts, added up from its rides: totals, rides and riders per gender and
/// age group, figures per step of start time, heart rate and power spread over the time each
/// ride rode, and rides per band of average heart rate.
///
/// Why here: a fleet rides tens of thousands of rides in 12 hours; sending each to the page to
/// be grouped there cost the server most of its time turning rows into JSON, and bounded what
/// the charts could cover. The page gets a few hundred numbers whatever the window holds.
public struct RecentSummary: Sendable, Equatable {
    /// Figures of a set of rides. Heart rate is each ride's average weighted by its seconds, as
    /// the page has always shown it.
    public struct Figures: Sendable, Equatable {
        public var rides: Int64 = 0
        public var riders: Int64 = 0
        public var alerts: Int64 = 0
        /// Seconds ridden (one reading a second).
        public var seconds: Int64 = 0
        /// Watts summed over the seconds: joules.
        public var powerSum: Double = 0
        public var resistanceSum: Int64 = 0
        /// Rides' average heart rates times their seconds, over the seconds of rides with one.
        public var heartRateWeighted: Double = 0
        public var heartRateSeconds: Int64 = 0

        public var averagePower: Double? { seconds > 0 ? powerSum / Double(seconds) : nil }
        public var averageHeartRate: Double? { heartRateSeconds > 0 ? heartRateWeighted / Double(heartRateSeconds) : nil }
    }

    /// One step of the effort chart: every ride's averages spread over the seconds it rode in the
    /// step, and the lowest and highest heart rate any of those rides reached.
    public struct Effort: Sendable, Equatable {
        public var seconds: Double = 0
        public var powerWeighted: Double = 0
        public var heartRateWeighted: Double = 0
        public var heartRateSeconds: Double = 0
        public var lowestHeartRate: Int?
        public var highestHeartRate: Int?

        public var averagePower: Double? { seconds > 0 ? powerWeighted / seconds : nil }
        public var averageHeartRate: Double? { heartRateSeconds > 0 ? heartRateWeighted / heartRateSeconds : nil }
    }

    /// Equal steps of time from `originMs` (Unix milliseconds).
    public struct Steps: Sendable, Equatable {
        public var originMs: Int64
        public var stepMs: Int64
        public var count: Int

        public init(originMs: Int64, stepMs: Int64, count: Int) {
            self.originMs = originMs; self.stepMs = max(1, stepMs); self.count = max(1, count)
        }
    }

    public static let genders = ["female", "male", "other"]
    public static let ageGroups = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"]
    /// Bands of a ride's average heart rate: below 60, 60-69, ..., 190 and above.
    public static let heartRateBands = Array(stride(from: 50, through: 190, by: 10))

    public var all = Figures()
    /// In the order of `genders` and `ageGroups`.
    public var byGender = [Figures](repeating: Figures(), count: genders.count)
    public var byAge = [Figures](repeating: Figures(), count: ageGroups.count)
    /// Rides by the step their start falls in.
    public var byStart: [Figures]
    public var effort: [Effort]
    /// Rides with a heart rate by `heartRateBands`.
    public var heartRateRides = [Int64](repeating: 0, count: heartRateBands.count)

    init(startSteps: Int, effortSteps: Int) {
        byStart = Array(repeating: Figures(), count: startSteps)
        effort = Array(repeating: Effort(), count: effortSteps)
    }

    /// The rides that started in `[fromUs, toUs)` and pass `filter`, added up.
    public static func load(on sql: any SQLExecutor, fromUs: Int64, toUs: Int64, filter: DashboardQueries.RecentFilter,
                            starts: Steps, effort: Steps) async throws -> RecentSummary {
        var summary = RecentSummary(startSteps: starts.count, effortSteps: effort.count)
        try await WindowRides.load(on: sql, fromUs: fromUs, toUs: toUs, filter: filter).addUp(into: &summary, starts: starts, effort: effort)
        return summary
    }
}

/// The window's rides, a column per figure: what the charts add up, and nothing else.
///
/// Why columns: PostgreSQL sends each as one array (`array_agg`), a single row, which costs a
/// fraction of reading tens of thousands of rows one by one; adding up in SQL cost more again
/// (its expressions, per ride, dozens of sums). SQLite, in the process, returns rows.
struct WindowRides {
    var rider: [Int64], startUs: [Int64], gender: [String], age: [Int], alert: [Bool], readings: [Int64]
    var powerSum: [Double], resistanceSum: [Int64], hrSum: [Int64], hrCount: [Int64], hrMin: [Int?], hrMax: [Int?]

    static let columns = ["rider_id", "start_time", "gender", "age_at_start", "alert_raised", "reading_count",
                          "power_sum", "resistance_sum", "hr_sum", "hr_count", "hr_min", "hr_max"]

    static func load(on sql: any SQLExecutor, fromUs: Int64, toUs: Int64, filter: DashboardQueries.RecentFilter) async throws -> WindowRides {
        let list = columns.map { c -> SQL in
            "\(sqlite: "r.\(raw: c)", postgres: "coalesce(array_agg(r.\(raw: c)), '{}') AS \(raw: c)")"
        }
        let window = DashboardQueries.windowConditions(fromUs: fromUs, toUs: toUs, filter: filter)
        let rows = try await sql.query("""
            SELECT \(SQL.joined(list, separator: ", ")) FROM rides r WHERE \(SQL.joined(window, separator: " AND "))
            """)
        // One row of arrays (PostgreSQL), or a row per ride (SQLite).
        let arrays = rows.count == 1 && { if case .array? = try? rows[0].value("rider_id") { true } else { false } }()
        func column<Value: SQLDecodable>(_ name: String) throws -> [Value] {
            arrays ? try rows[0].decode(name, as: [Value].self) : try rows.map { try $0.decode(name) }
        }
        let out = WindowRides(
            rider: try column("rider_id"), startUs: try column("start_time"), gender: try column("gender"),
            age: try column("age_at_start"), alert: try column("alert_raised"), readings: try column("reading_count"),
            powerSum: try column("power_sum"), resistanceSum: try column("resistance_sum"), hrSum: try column("hr_sum"),
            hrCount: try column("hr_count"), hrMin: try column("hr_min"), hrMax: try column("hr_max"))
        let n = out.rider.count
        guard [out.startUs.count, out.gender.count, out.age.count, out.alert.count, out.readings.count, out.powerSum.count,
               out.resistanceSum.count, out.hrSum.count, out.hrCount.count, out.hrMin.count, out.hrMax.count].allSatisfy({ $0 == n }) else {
            throw WarehouseError(.failed, "the recent window's columns came back of different lengths")
        }
        return out
    }

    func addUp(into s: inout RecentSummary, starts: RecentSummary.Steps, effort steps: RecentSummary.Steps) {
        var riders = Set<Int64>(minimumCapacity: rider.count), genderRiders = Array(repeating: Set<Int64>(), count: 3), ageRiders = Array(repeating: Set<Int64>(), count: 6)
        for i in rider.indices {
            let g = Self.genderIndex(gender[i]), a = Self.ageIndex(age[i])
            let n = max(0, readings[i])
            let hr: Double? = hrCount[i] > 0 ? Double(hrSum[i]) / Double(hrCount[i]) : nil
            let f = RecentSummary.Figures(rides: 1, riders: 0, alerts: alert[i] ? 1 : 0, seconds: n, powerSum: powerSum[i],
                                          resistanceSum: resistanceSum[i], heartRateWeighted: (hr ?? 0) * Double(n),
                                          heartRateSeconds: hr == nil ? 0 : n)
            s.all.add(f); s.byGender[g].add(f); s.byAge[a].add(f)
            riders.insert(rider[i]); genderRiders[g].insert(rider[i]); ageRiders[a].insert(rider[i])
            let startMs = Double(startUs[i]) / 1000
            // A ride up to a minute ahead of the server's clock counts in the last step.
            let step = ((startMs - Double(starts.originMs)) / Double(starts.stepMs)).rounded(.down)
            if step >= 0 { s.byStart[Int(min(step, Double(starts.count - 1)))].add(f) }
            if let hr { s.heartRateRides[hr < 60 ? 0 : hr >= 190 ? 14 : Int(((hr - 50) / 10).rounded(.down))] += 1 }
            spread(i, startMs: startMs, hr: hr, over: steps, into: &s.effort)
        }
        s.all.riders = Int64(riders.count)
        for g in 0..<3 { s.byGender[g].riders = Int64(genderRiders[g].count) }
        for a in 0..<6 { s.byAge[a].riders = Int64(ageRiders[a].count) }
    }

    /// Ride `i`'s averages over the seconds it rode in each step, and its heart-rate range.
    private func spread(_ i: Int, startMs: Double, hr: Double?, over steps: RecentSummary.Steps, into effort: inout [RecentSummary.Effort]) {
        let n = max(0, readings[i])
        guard n > 0 else { return }
        let endMs = startMs + Double(n) * 1000, origin = Double(steps.originMs), size = Double(steps.stepMs)
        let first = max(0, ((startMs - origin) / size).rounded(.down)), last = min(Double(steps.count - 1), ((endMs - 1 - origin) / size).rounded(.down))
        guard first <= last else { return }
        let power = powerSum[i] / Double(n)
        let lo = hrMin[i].flatMap { $0 > 0 ? $0 : nil }, hi = hrMax[i].flatMap { $0 > 0 ? $0 : nil }
        for k in Int(first)...Int(last) {
            let from = origin + Double(k) * size
            let sec = (min(endMs, from + size) - max(startMs, from)) / 1000
            guard sec > 0 else { continue }
            effort[k].seconds += sec
            effort[k].powerWeighted += power * sec
            if let hr { effort[k].heartRateWeighted += hr * sec; effort[k].heartRateSeconds += sec }
            if let lo { effort[k].lowestHeartRate = min(effort[k].lowestHeartRate ?? lo, lo) }
            if let hi { effort[k].highestHeartRate = max(effort[k].highestHeartRate ?? hi, hi) }
        }
    }

    /// `RecentSummary.genders`: female, male, and every other value as given.
    static func genderIndex(_ g: String) -> Int {
        if g.utf8.count == 6, g.lowercased() == "female" { return 0 }
        if g.utf8.count == 4, g.lowercased() == "male" { return 1 }
        return 2
    }

    /// `RecentSummary.ageGroups`, as the analysts' views band ages.
    static func ageIndex(_ age: Int) -> Int {
        age < 25 ? 0 : age < 35 ? 1 : age < 45 ? 2 : age < 55 ? 3 : age < 65 ? 4 : 5
    }
}

extension RecentSummary.Figures {
    mutating func add(_ other: Self) {
        rides += other.rides; riders += other.riders; alerts += other.alerts; seconds += other.seconds
        powerSum += other.powerSum; resistanceSum += other.resistanceSum
        heartRateWeighted += other.heartRateWeighted; heartRateSeconds += other.heartRateSeconds
    }
}
