/// Running totals over a ride's readings, from which every metric of domain.md follows.
///
/// Totals rather than averages so that a ride's figures are exact whether it is assembled
/// in one go or resumed after a restart, and so SQL can combine them across rides.
public struct RideTotals: Sendable, Equatable, Codable {
    public var readingCount = 0
    public var heartRateCount = 0
    public var heartRateSum = 0
    public var heartRateMin: Int?
    public var heartRateMax: Int?
    public var powerSum = 0.0
    public var powerMax: Double?
    public var rpmSum = 0
    public var resistanceSum = 0
    public var heartRateBins = RideHistogram(width: RideHistogram.heartRateWidth)
    public var powerBins = RideHistogram(width: RideHistogram.powerWidth)

    public init() {}

    /// The histograms are left out: they are stored in columns of their own, which the open
    /// ride's saved state is read back with (`Warehouse.openRides`).
    enum CodingKeys: String, CodingKey {
        case readingCount, heartRateCount, heartRateSum, heartRateMin, heartRateMax, powerSum, powerMax, rpmSum, resistanceSum
    }

    public mutating func add(_ r: Reading) {
        readingCount += 1
        if r.heartRate > 0 {
            heartRateCount += 1
            heartRateSum += r.heartRate
            heartRateMin = Swift.min(heartRateMin ?? r.heartRate, r.heartRate)
            heartRateMax = Swift.max(heartRateMax ?? r.heartRate, r.heartRate)
            heartRateBins.add(r.heartRate)
        }
        powerBins.add(r.power)
        powerSum += r.power
        powerMax = Swift.max(powerMax ?? r.power, r.power)
        rpmSum += r.rpm
        resistanceSum += r.resistance
    }

    public var metrics: RideMetrics {
        let n = Double(readingCount)
        return RideMetrics(
            durationSeconds: readingCount, readingCount: readingCount,
            avgHeartRate: heartRateCount > 0 ? Double(heartRateSum) / Double(heartRateCount) : nil,
            minHeartRate: heartRateMin, maxHeartRate: heartRateMax,
            avgPower: readingCount > 0 ? powerSum / n : nil, maxPower: powerMax,
            totalEnergyKJ: powerSum / 1000,
            avgRPM: readingCount > 0 ? Double(rpmSum) / n : nil,
            avgResistance: readingCount > 0 ? Double(resistanceSum) / n : nil)
    }
}

/// The figures of one ride (domain.md, Ride metrics). Heart-rate figures ignore hr = 0.
public struct RideMetrics: Sendable, Equatable, Codable {
    public var durationSeconds: Int
    public var readingCount: Int
    public var avgHeartRate: Double?
    public var minHeartRate: Int?
    public var maxHeartRate: Int?
    public var avgPower: Double?
    public var maxPower: Double?
    public var totalEnergyKJ: Double
    public var avgRPM: Double?
    public var avgResistance: Double?
}
