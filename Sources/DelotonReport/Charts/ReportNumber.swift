import Foundation

/// Number formatting for chart labels and tables, independent of the process locale so reports look the same
/// everywhere; public so the HTML report can format figures the same way.
public enum ReportNumber {
    public static func format(_ value: Double, decimals: Int = 0) -> String {
        guard value.isFinite else { return "–" }
        let fixed = String(format: "%.\(max(0, decimals))f", abs(value))
        let parts = fixed.split(separator: ".", maxSplits: 1)
        let integer = String(parts.first ?? "0")
        var grouped = ""
        for (index, character) in integer.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        var result = String(grouped.reversed())
        if parts.count > 1 { result += "." + parts[1] }
        let isZero = Double(fixed) == 0
        return (value < 0 && !isZero ? "−" : "") + result
    }

    /// Short form for value labels on bars: keeps up to one decimal only when the value has one.
    public static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if abs(value) >= 10_000 { return format(value / 1000, decimals: abs(value) >= 100_000 ? 0 : 1) + "k" }
        if value == value.rounded() { return format(value) }
        return format(value, decimals: abs(value) >= 100 ? 0 : 1)
    }
}
