import DelotonCore
import Testing

@Suite struct HeartRateTests {
    @Test func maleRanges() {
        #expect(SafeRange(age: 39, gender: .male) == SafeRange(minimum: 40, maximum: 181))
        #expect(SafeRange(age: 40, gender: .male) == SafeRange(minimum: 47, maximum: 208 - 0.7 * 40))
        #expect(SafeRange(age: 64, gender: .male) == SafeRange(minimum: 47, maximum: 208 - 0.7 * 64))
        #expect(SafeRange(age: 65, gender: .male) == SafeRange(minimum: 52, maximum: 208 - 0.7 * 65))
    }

    @Test func femaleAndOtherRanges() {
        #expect(SafeRange(age: 39, gender: .female) == SafeRange(minimum: 45, maximum: 206 - 0.88 * 39))
        #expect(SafeRange(age: 40, gender: .female) == SafeRange(minimum: 52, maximum: 206 - 0.88 * 40))
        #expect(SafeRange(age: 64, gender: .other) == SafeRange(minimum: 52, maximum: 206 - 0.88 * 64))
        #expect(SafeRange(age: 65, gender: .other) == SafeRange(minimum: 57, maximum: 206 - 0.88 * 65))
    }

    @Test func boundariesAreInRange() {
        let r = SafeRange(age: 39, gender: .male)  // 40...181
        #expect(!r.isOutOfRange(181) && r.isOutOfRange(182) && !r.isOutOfRange(40) && r.isOutOfRange(39) && !r.isOutOfRange(0))
    }

    func run(_ hrs: [Int], range: SafeRange = SafeRange(minimum: 50, maximum: 150)) -> [Int] {
        var m = HeartRateMonitor(range: range)
        var alerts: [Int] = []
        for (i, hr) in hrs.enumerated() {
            if m.observe(elapsed: i + 1, time: Instant(microseconds: Int64(i)), heartRate: hr) != nil { alerts.append(i + 1) }
        }
        return alerts
    }

    @Test func exactlyThreeInARowAlerts() { #expect(run([100, 160, 161, 162, 100]) == [4]) }
    @Test func twoThenNormalDoesNot() { #expect(run([160, 161, 100, 162, 163, 100]) == []) }
    @Test func zeroNeitherExtendsNorBreaksARun() { #expect(run([160, 0, 161, 0, 0, 162]) == [6]) }
    @Test func highAndLowFormOneRun() { #expect(run([160, 40, 170]) == [3]) }
    @Test func zerosAloneNeverAlert() { #expect(run([0, 0, 0, 0]) == []) }
    @Test func oncePerRide() { #expect(run([160, 161, 162, 163, 164, 165, 100, 170, 171, 172]) == [3]) }
}
