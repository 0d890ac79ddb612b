import DelotonConcurrency
import Testing

struct RetryBackoffTests {
    /// A Weyl sequence in place of the system's generator, so every wait is known.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return state
        }
    }

    @Test("the ceiling doubles per failure from the first wait and stays at the cap")
    func ceilingDoublesToTheCap() {
        let b = RetryBackoff(initial: .seconds(1), maximum: .seconds(300))
        #expect((1...10).map { b.ceiling(afterAttempt: $0) }
                == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map { Duration.seconds($0) })
        #expect(b.ceiling(afterAttempt: 0) == .seconds(1), "no failure yet reads as the first")
        #expect(b.ceiling(afterAttempt: .max) == .seconds(300), "a huge count cannot overflow")
    }

    @Test("without jitter the wait is the ceiling: the ingest pipeline's 250 ms, 500 ms, then every second")
    func noJitterIsTheCeiling() {
        let b = RetryBackoff(initial: .milliseconds(250), maximum: .seconds(1), jitter: .none)
        #expect((1...5).map { b.delay(afterAttempt: $0) }
                == [250, 500, 1000, 1000, 1000].map { Duration.milliseconds($0) })
    }

    @Test("with jitter each wait lies in the ceiling's upper half, drawn from the generator given")
    func jitterIsTheUpperHalf() {
        let b = RetryBackoff(initial: .seconds(2), maximum: .seconds(60))
        var first = Seeded(state: 42), again = Seeded(state: 42)
        let waits = (1...40).map { b.delay(afterAttempt: $0, using: &first) }
        #expect(waits == (1...40).map { b.delay(afterAttempt: $0, using: &again) }, "the same generator, the same waits")
        for (attempt, wait) in zip(1..., waits) {
            let ceiling = b.ceiling(afterAttempt: attempt)
            #expect(wait >= ceiling / 2 && wait <= ceiling)
            let system = b.delay(afterAttempt: attempt)
            #expect(system >= ceiling / 2 && system <= ceiling)
        }
        #expect(Set(waits.suffix(20)).count > 1, "capped waits still differ, so a crowd spreads out")
    }

    @Test("a cap below the first wait is the first wait; a negative first wait is none")
    func boundsAreSane() {
        #expect(RetryBackoff(initial: .seconds(90), maximum: .seconds(60)).ceiling(afterAttempt: 5) == .seconds(90))
        let zero = RetryBackoff(initial: .seconds(-1), maximum: .seconds(1), jitter: .none)
        #expect(zero.delay(afterAttempt: 1) == .zero && zero.delay(afterAttempt: 9) == .zero)
    }
}
