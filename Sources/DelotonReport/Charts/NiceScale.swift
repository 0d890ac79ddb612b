import Foundation

/// An axis range whose ticks fall on 1, 2 or 5 times a power of ten, so gridlines are easy to read.
struct NiceScale: Equatable {
    let lower: Double
    let upper: Double
    let step: Double

    var ticks: [Double] {
        let count = clampedInt(((upper - lower) / step).rounded(), in: 0...1_000)
        return (0...max(0, count)).map { lower + Double($0) * step }
    }

    /// Digits after the decimal point needed to show every tick exactly.
    var decimals: Int {
        step >= 1 ? 0 : clampedInt((-log10(step)).rounded(.up), in: 0...6)
    }

    /// The smallest 1-2-5 step at least `raw`.
    static func niceStep(atLeast raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= raw * (1 - 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }

    /// A scale covering `minimum...maximum` (always including zero, which bars and counts need)
    /// with about `targetTicks` intervals. Counts never get fractional steps.
    init(minimum: Double, maximum: Double, targetTicks: Int = 5, integral: Bool = false) {
        var low = min(0, minimum.isFinite ? minimum : 0)
        var high = max(0, maximum.isFinite ? maximum : 0)
        if high - low <= 0 { high = integral ? Double(max(1, targetTicks)) : 1 }
        var step = Self.niceStep(atLeast: (high - low) / Double(max(1, targetTicks)))
        if integral { step = max(1, step.rounded(.up)) }
        low = (low / step).rounded(.down) * step
        high = (high / step).rounded(.up) * step
        self.init(lower: low, upper: high, step: step)
    }

    /// A scale for a second axis that shares gridlines with `primary`: same tick count, its own nice step.
    init(matching primary: NiceScale, maximum: Double, integral: Bool = false) {
        let intervals = clampedInt(((primary.upper - primary.lower) / primary.step).rounded(), in: 1...1_000)
        let belowZero = clampedInt((-primary.lower / primary.step).rounded(), in: 0...1_000)
        let aboveZero = max(1, intervals - belowZero)
        var step = Self.niceStep(atLeast: (maximum.isFinite && maximum > 0 ? maximum : 1) / Double(aboveZero))
        if integral { step = max(1, step.rounded(.up)) }
        self.init(lower: -Double(belowZero) * step, upper: Double(aboveZero) * step, step: step)
    }

    init(lower: Double, upper: Double, step: Double) {
        self.lower = lower
        self.upper = upper
        self.step = step
    }

    /// Position of `value` along an axis of `length`, 0 at `lower`.
    func position(of value: Double, length: Double) -> Double {
        guard upper > lower else { return 0 }
        return (value - lower) / (upper - lower) * length
    }
}

/// `Int(value)` that cannot trap: drawing code derives counts from measured sizes and user data, where
/// NaN, infinities and absurd magnitudes must degrade the picture, never crash the report.
func clampedInt(_ value: Double, in range: ClosedRange<Int>) -> Int {
    guard !value.isNaN else { return range.lowerBound }
    if value <= Double(range.lowerBound) { return range.lowerBound }
    if value >= Double(range.upperBound) { return range.upperBound }
    return Int(value)
}
