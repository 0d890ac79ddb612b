/// One line of the report's key-figures table: a figure for the day and how it moved.
public struct KeyFigureRow: Sendable, Hashable {
    public enum Direction: Sendable, Hashable { case up, down, flat }

    /// A change already phrased for the reader ("+7.9%", "+4"), with the direction that picks its arrow and colour.
    public struct Change: Sendable, Hashable {
        public var text: String
        public var direction: Direction

        public init(text: String, direction: Direction) {
            self.text = text
            self.direction = direction
        }

        /// Relative change from `reference` to `current` ("+7.9%"); when the reference is zero a percentage means
        /// nothing, so the absolute difference is given instead. `nil` when either side has no data.
        public static func between(_ current: Double?, and reference: Double?, decimals: Int = 0) -> Change? {
            guard let current, let reference, current.isFinite, reference.isFinite else { return nil }
            let difference = current - reference
            let unit = reference == 0 ? "" : "%"
            let shown = reference == 0 ? ReportNumber.format(abs(difference), decimals: decimals)
                                       : ReportNumber.format(abs(difference / abs(reference) * 100), decimals: 1)
            // What rounds to nothing is shown as no change: "0%", without a sign, arrow or colour
            // (not "▼ −0.0%" in red).
            guard shown.contains(where: { ("1"..."9").contains($0) }) else { return Change(text: "0" + unit, direction: .flat) }
            let direction: Direction = difference > 0 ? .up : .down
            return Change(text: (direction == .up ? "+" : "−") + shown + unit, direction: direction)
        }
    }

    public var label: String
    public var value: String
    public var vsPreviousDay: Change?
    public var vsSevenDayMean: Change?
    /// Whether a rise is good news (rides) or bad (alerts); `nil` shows changes uncoloured.
    public var higherIsBetter: Bool?

    public init(label: String, value: String, vsPreviousDay: Change?, vsSevenDayMean: Change?, higherIsBetter: Bool? = true) {
        self.label = label
        self.value = value
        self.vsPreviousDay = vsPreviousDay
        self.vsSevenDayMean = vsSevenDayMean
        self.higherIsBetter = higherIsBetter
    }

    /// Formats a numeric figure and derives both changes; a `nil` figure (no data) shows as "–".
    public init(label: String, current: Double?, previousDay: Double?, sevenDayMean: Double?, decimals: Int = 0,
                unit: String = "", higherIsBetter: Bool? = true) {
        let value = current.map { ReportNumber.format($0, decimals: decimals) + (unit.isEmpty ? "" : " " + unit) } ?? "–"
        self.init(label: label, value: value,
                  vsPreviousDay: .between(current, and: previousDay, decimals: decimals),
                  vsSevenDayMean: .between(current, and: sevenDayMean, decimals: decimals),
                  higherIsBetter: higherIsBetter)
    }

    func color(of change: Change) -> RGBColor {
        guard let higherIsBetter, change.direction != .flat else { return ReportTheme.mutedInk }
        return (change.direction == .up) == higherIsBetter ? ReportTheme.improvement : ReportTheme.deterioration
    }

    static func arrow(_ direction: Direction) -> String {
        switch direction {
        case .up: return "▲"
        case .down: return "▼"
        case .flat: return "■"
        }
    }
}
