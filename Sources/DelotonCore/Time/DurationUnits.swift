/// A `Duration` in the units clocks, libraries, logs and figures take: one conversion for every
/// module. Whole units round toward zero and saturate at Int64's ends instead of trapping (a
/// timeout comes from a setting, and a setting can say anything).
extension Duration {
    /// Seconds with their fraction: for rates and printed figures.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    public var wholeMilliseconds: Int64 { whole(perSecond: 1_000) }
    public var wholeMicroseconds: Int64 { whole(perSecond: 1_000_000) }
    public var wholeNanoseconds: Int64 { whole(perSecond: 1_000_000_000) }

    private func whole(perSecond: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        let scaled = seconds.multipliedReportingOverflow(by: perSecond)
        if scaled.overflow { return seconds < 0 ? .min : .max }
        let sum = scaled.partialValue.addingReportingOverflow(attoseconds / (1_000_000_000_000_000_000 / perSecond))
        if sum.overflow { return attoseconds < 0 ? .min : .max }
        return sum.partialValue
    }
}
