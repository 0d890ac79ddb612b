import DelotonCore

/// How a simulated rider's heart answers the power they put out, second by second.
///
/// Effort is power over what the rider can sustain (about 2.8 W/kg for men and 2.4 W/kg for
/// women at 35, a little less each year after). Two strains follow it, a fast one and a slow
/// one that builds over a ride, and the heart moves toward the share of its reserve (maximum
/// minus resting) they ask for, with a lag. Fitted to the real capture
/// (shared/data/real-sample.jsonl: a 43-year-old man, two 20 s blocks near 700 W): the heart
/// rises for about a minute after each block and recovers over minutes, 8 bpm RMS from the
/// capture over its 498 readings. The maximum is the domain's safe maximum for the age and
/// gender (domain.md), so an older heart reaches less, and the heart stays under it unless
/// the simulator adds an excursion on purpose.
public struct HeartModel: Sendable {
    public let resting: Double
    public let maximum: Double
    /// Watts the rider can sustain.
    public let capacity: Double
    private var fast = 0.0, slow = 0.0
    public private(set) var rate: Double

    /// At most this share of the reserve, so effort alone never leaves the safe range.
    static let ceiling = 0.9

    public init(age: Int?, gender: Gender, weightKg: Int?, resting: Double) {
        self.resting = resting
        maximum = SafeRange(age: age, gender: gender).maximum
        let perKg = gender == .male ? 2.8 : 2.4
        let years = Double(max(0, (age ?? SafeRange.unknownAge) - 35))
        capacity = Double(weightKg ?? 75) * perKg * max(0.5, 1 - 0.008 * years)
        rate = resting
    }

    /// The heart rate after one more second at `power` watts (before noise).
    public mutating func step(power: Double) -> Double {
        let effort = max(0, power) / capacity
        fast += (effort - fast) / 45
        slow += (effort - slow) / 400
        let share = min(Self.ceiling, 0.3 * fast + 2 * slow)
        rate += (resting + share * (maximum - resting) - rate) / 20
        return rate
    }
}
