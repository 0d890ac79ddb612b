import DelotonTelemetry
import Testing

/// When the liveness check calls an ingest stalled, on a clock the test moves.
@Suite struct StallWatchTests {
    let start = ContinuousClock.now
    func at(_ seconds: Int) -> ContinuousClock.Instant { start + .seconds(seconds) }

    @Test func nothingWaitingIsNeverStalled() {
        let watch = StallWatch(limit: .seconds(60), now: at(0))
        #expect(!watch.isStalled(at: at(3600)))
        watch.sourceBacklog(0, at: at(3600))
        #expect(!watch.isStalled(at: at(7200)))
    }

    @Test func aWriteThatNeverEndsIsAStall() {
        let watch = StallWatch(limit: .seconds(60), now: at(0))
        watch.writeStarted(at: at(10))
        #expect(!watch.isStalled(at: at(69)))
        #expect(watch.isStalled(at: at(70)))
        watch.writeEnded(at: at(75))
        #expect(!watch.isStalled(at: at(200)))
    }

    @Test func retriesOfAnUnavailableWarehouseAreAlive() {
        let watch = StallWatch(limit: .seconds(60), now: at(0))
        // The pipeline's backoff: attempts end (failed) every 10 s at most, each followed by another.
        var t = 0
        while t < 600 {
            watch.writeStarted(at: at(t))
            watch.writeEnded(at: at(t + 1))
            watch.writeStarted(at: at(t + 11))
            #expect(!watch.isStalled(at: at(t + 11)))
            t += 11
        }
    }

    @Test func aWriteWaitingForAnUnreachableWarehouseIsAlive() {
        let watch = StallWatch(limit: .seconds(60), now: at(0))
        watch.writeStarted(at: at(0))
        #expect(watch.isStalled(at: at(60)))
        // Liveness found the server down: the pool's reconnecting is a retry.
        watch.warehouseUnreachable(at: at(60))
        #expect(!watch.isStalled(at: at(119)))
        #expect(watch.isStalled(at: at(120)))
    }

    @Test func backlogThatIsNotTakenStallsFromWhenItAppeared() {
        let watch = StallWatch(limit: .seconds(60), now: at(0))
        // An hour of quiet, then messages arrive: the limit counts from their arrival.
        watch.sourceBacklog(500, at: at(3600))
        #expect(!watch.isStalled(at: at(3659)))
        #expect(watch.isStalled(at: at(3660)))
        // The pipeline writes again: alive, although the backlog is not yet gone.
        watch.writeStarted(at: at(3661))
        watch.writeEnded(at: at(3662))
        #expect(!watch.isStalled(at: at(3700)))
        watch.sourceBacklog(0, at: at(3701))
        #expect(!watch.isStalled(at: at(9999)))
    }
}
