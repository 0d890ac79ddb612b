@testable import DelotonIngest
import Testing

/// Which partitions are read here and how far, without a broker. Source names are spelled out
/// as warehouses hold them (`kafka:TOPIC/PARTITION`), not built with the code under test.
@Suite struct PartitionBookTests {
    /// The offsets of `partition` the book lets through, offered in this order.
    func taken(_ book: inout PartitionBook, partition: Int32, _ offsets: [Int64]) -> [Int64] {
        offsets.filter { book.take(partition: partition, offset: $0) }
    }

    @Test("a partition is read only while owned, and never before where reading restarted")
    func takesOnlyOwnedPartitionsFromTheirStart() {
        var book = PartitionBook(prefix: "kafka:rides/")
        let beforeAssignment = taken(&book, partition: 0, [0])
        #expect(beforeAssignment.isEmpty)
        let resume = book.assign([0, 1], saved: ["kafka:rides/0": 42, "kafka:rides/7": 9])
        #expect(resume == [0: 42])
        #expect(book.owned == [0, 1])
        // Before the warehouse's position is written already; each offset is read once.
        let fromSaved = taken(&book, partition: 0, [41, 42, 42, 43])
        #expect(fromSaved == [42, 43])
        // No saved position: the first message sets it.
        let unsaved = taken(&book, partition: 1, [5, 6])
        #expect(unsaved == [5, 6])
        let notAssigned = taken(&book, partition: 7, [9])
        #expect(notAssigned.isEmpty)
    }

    @Test("a revoke answers the next offset of each partition read here, and gives the partitions up")
    func revokeAnswersWhatWasRead() {
        var book = PartitionBook(prefix: "kafka:rides/")
        _ = book.assign([0, 1, 2], saved: ["kafka:rides/2": 5])
        _ = taken(&book, partition: 0, [10, 11])
        let read = book.revoke([0, 1, 2, 3])
        // 1 was never read and has no saved position; 3 was never owned.
        #expect(read == [0: 12, 2: 5])
        #expect(book.owned.isEmpty)
        let afterRevoke = taken(&book, partition: 0, [12])
        #expect(afterRevoke.isEmpty, "read before a rebalance took it away")
    }

    @Test("a partition that comes back starts where the warehouse says, not where this process left it")
    func reassignmentStartsAtTheSavedPosition() {
        var book = PartitionBook(prefix: "kafka:rides/")
        _ = book.assign([0], saved: [:])
        _ = taken(&book, partition: 0, [3])
        _ = book.revoke([0])
        // Another member went on to 20 meanwhile.
        let resume = book.assign([0], saved: ["kafka:rides/0": 20])
        #expect(resume == [0: 20])
        let again = taken(&book, partition: 0, [4, 20])
        #expect(again == [20])
    }

    @Test("a partition's source name is the warehouse's position key and open rides' source")
    func sourceNames() {
        var book = PartitionBook(prefix: "kafka:rides/")
        let one = book.sourceName(3)
        #expect(one == "kafka:rides/3")
        let several = book.sourceNames([0, 11])
        #expect(several == ["kafka:rides/0", "kafka:rides/11"])
    }
}
