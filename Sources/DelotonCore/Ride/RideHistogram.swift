/// Counts of a ride's readings per bin of fixed width: what the daily report's distributions add
/// up over a day's rides, so that they never read the day's readings.
///
/// Kept by the assembler beside the ride's other totals and stored with the ride's row, so it is
/// exact however the ride was assembled, and a replay writes the same text again. Values come
/// from the parser, which bounds them (`LineParser.maxHeartRate`, `maxPower`), so the bins are
/// bounded too.
public struct RideHistogram: Sendable, Equatable {
    /// Heart rates per 10 bpm, readings with hr > 0 only (domain.md: hr = 0 is no reading).
    public static let heartRateWidth = 10
    /// Power per 25 W.
    public static let powerWidth = 25

    public let width: Int
    /// `counts[i]` readings fell in `[i * width, (i + 1) * width)`.
    public private(set) var counts: [Int] = []

    public init(width: Int) { self.width = max(1, width) }

    public mutating func add(_ value: Int) {
        guard value >= 0 else { return }
        bump(value / width)
    }

    public mutating func add(_ value: Double) {
        // Not finite or negative values never pass the parser; refusing them here keeps the
        // conversion below from trapping whatever calls this.
        guard value.isFinite, value >= 0, value < Double(Int32.max) else { return }
        bump(Int(value) / width)
    }

    private mutating func bump(_ bin: Int) {
        if bin >= counts.count { counts.append(contentsOf: repeatElement(0, count: bin - counts.count + 1)) }
        counts[bin] &+= 1
    }

    /// Adds `other`'s counts, bin by bin (same width).
    public mutating func merge(_ other: RideHistogram) {
        if other.counts.count > counts.count { counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count)) }
        for i in other.counts.indices { counts[i] &+= other.counts[i] }
    }

    /// The bins that hold readings, by lower bound, in order.
    public var bins: [(lowerBound: Int, count: Int)] {
        counts.indices.compactMap { i in counts[i] > 0 ? (i * width, counts[i]) : nil }
    }

    /// As stored: `lower:count` pairs, comma-separated, in order (`60:12,70:340`); empty for none.
    public var text: String {
        bins.map { "\($0.lowerBound):\($0.count)" }.joined(separator: ",")
    }

    /// Reads `text` back. Pairs that do not parse, or whose lower bound is not a bin of this
    /// width, are skipped: the column is written only by ingest and the migration that filled it.
    public init(width: Int, text: Substring) {
        self.init(width: width)
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let lower = Int(parts[0]), let count = Int(parts[1]), lower >= 0, count > 0,
                  lower % self.width == 0, lower / self.width < 1 << 20 else { continue }
            bump(lower / self.width)
            counts[lower / self.width] = count
        }
    }
}
