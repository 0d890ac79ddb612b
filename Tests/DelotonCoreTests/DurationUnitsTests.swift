import DelotonCore
import Testing

/// Every module converts a `Duration` through `DurationUnits`: whole units toward zero, and the
/// ends of Int64 instead of a trap for a duration too long to count in them.
@Suite struct DurationUnitsTests {
    @Test func wholeUnitsRoundTowardZero() {
        let d = Duration.seconds(2) + .nanoseconds(999_999)
        #expect(d.wholeMilliseconds == 2_000 && d.wholeMicroseconds == 2_000_999 && d.wholeNanoseconds == 2_000_999_999)
        let negative = Duration.zero - d
        #expect(negative.wholeMilliseconds == -2_000 && negative.wholeMicroseconds == -2_000_999)
        #expect(Duration.milliseconds(1_500).inSeconds == 1.5 && Duration.zero.wholeNanoseconds == 0)
    }

    @Test func durationsBeyondInt64SaturateInsteadOfTrapping() {
        let long = Duration.seconds(Int64.max), short = Duration.seconds(Int64.min)
        #expect(long.wholeMilliseconds == .max && long.wholeMicroseconds == .max && long.wholeNanoseconds == .max)
        #expect(short.wholeMilliseconds == .min && short.wholeNanoseconds == .min)
        // Seconds that fit once scaled, plus a fraction that tips them over.
        let edge = Duration.seconds(Int64.max / 1_000) + .milliseconds(999)
        #expect(edge.wholeMilliseconds == .max)
    }
}
