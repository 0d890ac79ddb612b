@testable import DelotonIngest
import Testing

/// When a topic read per partition looks keyed per bike: several keys in one partition and
/// most lines quarantined, told once.
@Suite struct KeyedStreamDetectorTests {
    func observe(_ detector: inout KeyedStreamDetector, partition: Int32, key: String?) {
        guard let key else { return detector.observe(partition: partition, key: nil) }
        Array(key.utf8).withUnsafeBufferPointer { detector.observe(partition: partition, key: $0) }
    }

    @Test("several keys in a partition and most lines quarantined: reported once")
    func keyedInterleavedIsReportedOnce() {
        var detector = KeyedStreamDetector()
        for serial in ["SN-1", "SN-2", "SN-3", "SN-1"] { observe(&detector, partition: 0, key: serial) }
        #expect(detector.evidence(lines: 50, quarantined: 40) == nil, "too few lines to judge")
        #expect(detector.evidence(lines: 1_000, quarantined: 400) == nil, "most lines were put in rides")
        #expect(detector.evidence(lines: 1_000, quarantined: 900) == 3)
        #expect(detector.evidence(lines: 2_000, quarantined: 1_900) == nil, "said once")
    }

    @Test("one key per partition, or no keys, is a partition stream: nothing to say")
    func oneKeyPerPartitionIsNotReported() {
        var detector = KeyedStreamDetector()
        observe(&detector, partition: 0, key: "SN-1")
        observe(&detector, partition: 1, key: "SN-2")
        observe(&detector, partition: 2, key: nil)
        #expect(detector.evidence(lines: 1_000, quarantined: 900) == nil)
    }
}
