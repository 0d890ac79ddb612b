/// The safe heart-rate range for a rider (domain.md, Abnormal heart rate).
public struct SafeRange: Sendable, Equatable, Codable {
    public var minimum: Double
    public var maximum: Double

    public init(minimum: Double, maximum: Double) { self.minimum = minimum; self.maximum = maximum }

    /// domain.md: an unknown birth date counts as this age, a conservative range.
    public static let unknownAge = 65

    /// The range for an age, or for `unknownAge` when the age is not known.
    public init(age: Int?, gender: Gender) {
        let age = age ?? Self.unknownAge
        let a = Double(age)
        switch gender {
        case .male:
            maximum = age < 40 ? 220 - a : 208 - 0.7 * a
            minimum = age < 40 ? 40 : (age < 65 ? 47 : 52)
        case .female, .other:
            maximum = 206 - 0.88 * a
            minimum = age < 40 ? 45 : (age < 65 ? 52 : 57)
        }
    }

    /// Heart rate 0 means no contact and is never out of range.
    public func isOutOfRange(_ heartRate: Int) -> Bool {
        heartRate > 0 && (Double(heartRate) > maximum || Double(heartRate) < minimum)
    }
}

/// One reading that broke the safe range, kept for the alert's text.
public struct HeartRateSample: Sendable, Equatable, Codable {
    public var elapsed: Int
    public var time: Instant
    public var heartRate: Int

    public init(elapsed: Int, time: Instant, heartRate: Int) {
        self.elapsed = elapsed; self.time = time; self.heartRate = heartRate
    }
}

/// Watches a ride's readings for three consecutive out-of-range heart rates.
///
/// Readings with hr = 0 neither extend nor break a run, nor does a missing second; too high
/// and too low readings in a row form one run. It fires at most once per ride.
public struct HeartRateMonitor: Sendable, Equatable, Codable {
    public static let runLength = 3

    public var range: SafeRange
    public private(set) var run: [HeartRateSample] = []
    public private(set) var alerted = false

    public init(range: SafeRange) { self.range = range }

    /// Returns the offending run when this reading completes the first alert of the ride.
    public mutating func observe(elapsed: Int, time: Instant, heartRate: Int) -> [HeartRateSample]? {
        guard heartRate > 0, !alerted else { return nil }
        guard range.isOutOfRange(heartRate) else {
            run.removeAll()
            return nil
        }
        run.append(HeartRateSample(elapsed: elapsed, time: time, heartRate: heartRate))
        guard run.count >= Self.runLength else { return nil }
        alerted = true
        let offending = run
        run.removeAll()
        return offending
    }
}
