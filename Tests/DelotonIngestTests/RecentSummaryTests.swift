import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Logging
import Testing

/// The dashboard's charts (`RecentSummary`, from the window's columns: PostgreSQL's arrays,
/// SQLite's rows) equal the same figures computed here, plainly, from the window's list of rides:
/// on both warehouses, with and without filters, with rides that span many steps, start before
/// the first step or after the last, have no heart rate, or a gender of another spelling.
@Suite struct RecentSummaryTests {
    let logger = Logger(label: "test")

    @Test(arguments: ["sqlite", "postgresql"]) func theWarehouseAddsUpWhatTheRidesSay(_ kind: String) async throws {
        let warehouse = try await SimulatedWarehouse.ingested(kind, name: "recent-summary", readings: 40_000, seed: 11, logger: logger)
        defer { Task { try? await warehouse.close() } }

        // Edge cases the simulator does not make: a ride of two hours, one without a heart
        // rate, one with an alert; and riders of other genders, of any spelling.
        let ids = try await warehouse.sql.query("SELECT id FROM rides ORDER BY id").map { try $0.decode("id", as: Int64.self) }
        #expect(ids.count > 20)
        try await warehouse.sql.execute("UPDATE rides SET reading_count = 7200 WHERE id = \(ids[ids.count / 2 + 0])")
        try await warehouse.sql.execute("UPDATE rides SET hr_count = 0, hr_sum = 0, hr_min = NULL, hr_max = NULL WHERE id = \(ids[ids.count / 2 + 1])")
        try await warehouse.sql.execute("UPDATE rides SET alert_raised = \(true) WHERE id = \(ids[ids.count / 2 + 2])")
        try await warehouse.sql.execute("UPDATE rides SET gender = 'Nonbinary' WHERE id % 5 = 0")
        try await warehouse.sql.execute("UPDATE rides SET gender = 'FEMALE' WHERE id % 5 = 1")

        let rides = try await DashboardQueries.recentRides(on: warehouse.sql, fromUs: 0, toUs: .max)
        let first = try #require(rides.map(\.startTimeUs).min()) / 1000, last = try #require(rides.map(\.startTimeUs).max()) / 1000
        // Windows that start after the first ride and end before the last one's end, so that
        // clamping at both ends is exercised.
        let fromMs = first + 90_000, toMs = last - 30_000
        let starts = RecentSummary.Steps(originMs: fromMs - 17_000, stepMs: 600_000, count: Int((toMs - fromMs) / 600_000) + 1)
        let effort = RecentSummary.Steps(originMs: fromMs - 5_000, stepMs: 60_000, count: Int((toMs - fromMs) / 60_000) + 1)
        let filters = [DashboardQueries.RecentFilter(), .init(gender: "other"), .init(minAge: 40, maxAge: 70), .init(gender: "female", minAge: 30)]
        for filter in filters {
            let window = try await DashboardQueries.recentRides(on: warehouse.sql, fromUs: fromMs * 1000, toUs: toMs * 1000, filter: filter)
            #expect(window.count > 3, "\(filter)")
            let summary = try await RecentSummary.load(on: warehouse.sql, fromUs: fromMs * 1000, toUs: toMs * 1000, filter: filter,
                                                       starts: starts, effort: effort)
            let expected = Plain(window, starts: starts, effort: effort)
            #expect(summary.all.rides == Int64(window.count))
            expectClose(summary.all, expected.all, "\(kind) \(filter) all")
            for g in 0..<3 { expectClose(summary.byGender[g], expected.byGender[g], "\(kind) \(filter) gender \(g)") }
            for a in 0..<6 { expectClose(summary.byAge[a], expected.byAge[a], "\(kind) \(filter) age \(a)") }
            for i in 0..<starts.count { expectClose(summary.byStart[i], expected.byStart[i], "\(kind) \(filter) start \(i)") }
            #expect(summary.heartRateRides == expected.heartRate, "\(kind) \(filter)")
            for i in 0..<effort.count {
                let (got, want) = (summary.effort[i], expected.effort[i])
                #expect(close(got.seconds, want.seconds) && close(got.powerWeighted, want.powerWeighted)
                        && close(got.heartRateWeighted, want.heartRateWeighted) && close(got.heartRateSeconds, want.heartRateSeconds)
                        && got.lowestHeartRate == want.lowestHeartRate && got.highestHeartRate == want.highestHeartRate,
                        "\(kind) \(filter) effort \(i): \(got) != \(want)")
            }
        }
    }

    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }

    func expectClose(_ got: RecentSummary.Figures, _ want: RecentSummary.Figures, _ what: String) {
        #expect(got.rides == want.rides && got.riders == want.riders && got.alerts == want.alerts && got.seconds == want.seconds
                && got.resistanceSum == want.resistanceSum && got.heartRateSeconds == want.heartRateSeconds
                && close(got.powerSum, want.powerSum) && close(got.heartRateWeighted, want.heartRateWeighted),
                "\(what): \(got) != \(want)")
    }

    /// The figures, a ride at a time.
    struct Plain {
        var all = RecentSummary.Figures()
        var byGender = [RecentSummary.Figures](repeating: .init(), count: 3)
        var byAge = [RecentSummary.Figures](repeating: .init(), count: 6)
        var byStart: [RecentSummary.Figures]
        var effort: [RecentSummary.Effort]
        var heartRate = [Int64](repeating: 0, count: 15)

        init(_ rides: [DashboardQueries.RecentRide], starts: RecentSummary.Steps, effort steps: RecentSummary.Steps) {
            byStart = Array(repeating: .init(), count: starts.count)
            effort = Array(repeating: .init(), count: steps.count)
            var riders: [String: Set<Int64>] = [:]
            for r in rides {
                let gender = ["female", "male"].contains(r.gender.lowercased()) ? r.gender.lowercased() : "other"
                let g = RecentSummary.genders.firstIndex(of: gender)!
                let a = [25, 35, 45, 55, 65].firstIndex { r.ageAtStart < $0 } ?? 5
                let hr = r.hrCount > 0 ? Double(r.hrSum) / Double(r.hrCount) : nil
                var f = RecentSummary.Figures(rides: 1, riders: 0, alerts: r.alertRaised ? 1 : 0, seconds: r.readingCount,
                                              powerSum: r.powerSum, resistanceSum: r.resistanceSum,
                                              heartRateWeighted: (hr ?? 0) * Double(r.readingCount),
                                              heartRateSeconds: hr == nil ? 0 : r.readingCount)
                all.add(f); byGender[g].add(f); byAge[a].add(f)
                riders["all", default: []].insert(r.riderID)
                riders["g\(g)", default: []].insert(r.riderID)
                riders["a\(a)", default: []].insert(r.riderID)
                let startMs = Double(r.startTimeUs) / 1000
                let s = Int(((startMs - Double(starts.originMs)) / Double(starts.stepMs)).rounded(.down))
                if s >= 0 { f.riders = 0; byStart[min(s, starts.count - 1)].add(f) }
                if let hr { heartRate[hr < 60 ? 0 : hr >= 190 ? 14 : Int(((hr - 50) / 10).rounded(.down))] += 1 }
                // Spread over the effort steps it rode in.
                let endMs = startMs + Double(r.readingCount) * 1000
                for i in 0..<steps.count {
                    let lo = Double(steps.originMs) + Double(i) * Double(steps.stepMs), hi = lo + Double(steps.stepMs)
                    let sec = (min(endMs, hi) - max(startMs, lo)) / 1000
                    guard sec > 0 else { continue }
                    effort[i].seconds += sec
                    effort[i].powerWeighted += (r.readingCount > 0 ? r.powerSum / Double(r.readingCount) : 0) * sec
                    if let hr { effort[i].heartRateWeighted += hr * sec; effort[i].heartRateSeconds += sec }
                    if let m = r.hrMin, m > 0 { effort[i].lowestHeartRate = min(effort[i].lowestHeartRate ?? m, m) }
                    if let m = r.hrMax, m > 0 { effort[i].highestHeartRate = max(effort[i].highestHeartRate ?? m, m) }
                }
            }
            all.riders = Int64(riders["all"]?.count ?? 0)
            for g in 0..<3 { byGender[g].riders = Int64(riders["g\(g)"]?.count ?? 0) }
            for a in 0..<6 { byAge[a].riders = Int64(riders["a\(a)"]?.count ?? 0) }
        }
    }
}
