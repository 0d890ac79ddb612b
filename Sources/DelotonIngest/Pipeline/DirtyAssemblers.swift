/// The assemblers with something to hand over at the next flush, by index into the pipeline's
/// assemblers: a flag per assembler, and the indices flagged in the order they were.
///
/// Nearly every line changes its assembler, so marking one is on the pipeline's per-line path:
/// a flag test costs less than the hash and probe of a `Set<Int>` insert.
struct DirtyAssemblers {
    private var flags: [Bool] = []
    private(set) var indices: [Int] = []

    mutating func insert(_ i: Int) {
        if i >= flags.count { flags.append(contentsOf: repeatElement(false, count: i + 1 - flags.count)) }
        guard !flags[i] else { return }
        flags[i] = true
        indices.append(i)
    }

    func contains(_ i: Int) -> Bool { i < flags.count && flags[i] }

    mutating func removeAll() {
        for i in indices { flags[i] = false }
        indices.removeAll(keepingCapacity: true)
    }
}
